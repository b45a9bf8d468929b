#include "unicode_case.hpp"

#include <gadgetgrove/core/utf8.hpp>

namespace gg::transform::jinja::detail {
namespace {

// Latin Extended-A pairs: in these ranges the upper case letter has the even code point...
bool even_upper_range(std::uint32_t cp) {
  return (cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
         (cp >= 0x14A && cp <= 0x177);
}
// ...and in these the odd one.
bool odd_upper_range(std::uint32_t cp) {
  return (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
}

std::uint32_t upper_of(std::uint32_t cp) {
  if (cp >= 'a' && cp <= 'z') return cp - 32;
  if (cp < 0x80) return cp;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (cp == 0xB5) return 0x39C;
  if (even_upper_range(cp)) return (cp & 1) ? cp - 1 : cp;
  if (odd_upper_range(cp)) return (cp & 1) ? cp : cp - 1;
  if (cp == 0x131) return 'I';
  if (cp == 0x17F) return 'S';
  if (cp >= 0x3B1 && cp <= 0x3C9) return cp == 0x3C2 ? 0x3A3 : cp - 32;
  if (cp == 0x3AC) return 0x386;
  if (cp >= 0x3AD && cp <= 0x3AF) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (cp == 0x3CD || cp == 0x3CE) return cp - 63;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

std::uint32_t lower_of(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0x80) return cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp == 0x178) return 0xFF;
  if (even_upper_range(cp)) return (cp & 1) ? cp : cp + 1;
  if (odd_upper_range(cp)) return (cp & 1) ? cp + 1 : cp;
  if ((cp >= 0x391 && cp <= 0x3A1) || (cp >= 0x3A3 && cp <= 0x3A9)) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 63;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

}  // namespace

std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len <= 1 || i + len > s.size()) {
    ++i;
    return c < 0x80 ? c : 0x110000 + c;  // an invalid byte: outside Unicode, kept as is
  }
  std::uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0x110000 + c;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool is_cased(std::uint32_t cp) {
  if (cp >= 0x110000) return false;
  return upper_of(cp) != cp || lower_of(cp) != cp || cp == 0xDF;
}

void append_case(std::string& out, std::uint32_t cp, bool upper) {
  if (cp >= 0x110000) {
    out += static_cast<char>(cp - 0x110000);
    return;
  }
  if (upper && cp == 0xDF) {
    out += "SS";  // Python: 'ß'.upper() == 'SS'
    return;
  }
  append_utf8(out, upper ? upper_of(cp) : lower_of(cp));
}

std::string map_case(std::string_view s, bool upper, bool first_only_upper) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  bool first = true;
  while (i < s.size()) {
    std::uint32_t cp = next_code_point(s, i);
    append_case(out, cp, first_only_upper ? first : upper);
    first = false;
  }
  return out;
}

std::string utf8_upper(std::string_view s) { return map_case(s, true, false); }
std::string utf8_lower(std::string_view s) { return map_case(s, false, false); }
std::string utf8_capitalize(std::string_view s) { return map_case(s, false, true); }

}  // namespace gg::transform::jinja::detail
