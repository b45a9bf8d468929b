#include <gadgetgrove/core/checksum.hpp>

#include <xxhash.h>

namespace gg {

std::uint64_t checksum64(std::string_view data) noexcept {
  return XXH3_64bits(data.data(), data.size());
}

void write_hex16(std::uint64_t v, char* out16) noexcept {
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out16[i] = digits[v & 0xF];
    v >>= 4;
  }
}

bool parse_hex16(std::string_view text, std::uint64_t& out) noexcept {
  if (text.size() != 16) return false;
  std::uint64_t v = 0;
  for (const char c : text) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  out = v;
  return true;
}

}  // namespace gg
