#pragma once
// UTF-8 validation and repair, the one reading of RFC 3629 in the program: the JSON and log
// escapers and the loader's storage of rejected lines all use it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gg {

/// The sequence starting at `p` (p < end): `length` bytes, and whether they form one valid
/// scalar value. An invalid result covers the maximal subpart (the lead byte plus the
/// continuation bytes that were still acceptable), so one U+FFFD replaces it, as Unicode
/// recommends. `length` is always at least 1.
struct utf8_step {
  std::size_t length;
  bool valid;
};

inline utf8_step utf8_next(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char c = p[0];
  if (c < 0x80) return {1, true};
  std::size_t need;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};
  }
  std::size_t i = 1;
  for (; i <= need; ++i) {
    if (p + i >= end) return {i, false};
    const unsigned char b = p[i];
    const unsigned char first_lo = i == 1 ? lo : 0x80;
    const unsigned char first_hi = i == 1 ? hi : 0xBF;
    if (b < first_lo || b > first_hi) return {i, false};
  }
  return {i, true};
}

/// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF; the caller has checked that it
/// is a scalar value) to `out`.
void append_utf8(std::string& out, std::uint32_t code_point);

/// Appends `s` to `out` as valid UTF-8: valid sequences pass unchanged and each maximal invalid
/// subpart (as utf8_next() measures it) becomes one U+FFFD. With `replace_nul`, each NUL byte
/// becomes U+FFFD too (PostgreSQL text cannot hold one).
void append_repaired_utf8(std::string& out, std::string_view s, bool replace_nul = false);

}  // namespace gg
