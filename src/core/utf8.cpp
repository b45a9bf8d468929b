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

}  // namespace gg
