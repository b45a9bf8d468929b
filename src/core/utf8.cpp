#include <gadgetgrove/core/utf8.hpp>

namespace gg {

void append_repaired_utf8(std::string& out, std::string_view s, bool replace_nul) {
  static constexpr std::string_view replacement = "\xef\xbf\xbd";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  out.reserve(out.size() + s.size());
  while (p < end) {
    if (*p >= 0x01 && *p < 0x80) {
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    if (*p == 0 && !replace_nul) {
      out.push_back('\0');
      ++p;
      continue;
    }
    const utf8_step step = *p == 0 ? utf8_step{1, false} : utf8_next(p, end);
    if (step.valid) {
      out.append(reinterpret_cast<const char*>(p), step.length);
    } else {
      out.append(replacement);
    }
    p += step.length;
  }
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  const auto cp = code_point;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace gg
