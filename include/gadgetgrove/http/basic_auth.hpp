#pragma once
// HTTP Basic credentials (RFC 7617) and the comparison of secrets: the Segment write key of
// ingest and the admin listener's token and password.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::http {

inline constexpr std::size_t max_basic_user = 256;

/// Compares in time that depends only on the lengths, so a key is not guessed byte by byte.
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

namespace detail {

inline int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/// Decodes "Basic <base64(user:password)>", calling `on_byte(byte, in_user)` for each decoded
/// byte but the first ':' (which ends the user name). False on any other scheme, bad base64, or
/// when `on_byte` returns false.
template <class OnByte>
bool decode_basic(std::string_view authorization, OnByte&& on_byte) noexcept {
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  if (authorization.size() < 6) return false;
  constexpr std::string_view scheme = "basic ";
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = authorization[i];
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    if (lower != scheme[i]) return false;
  }
  std::string_view b64 = authorization.substr(scheme.size());
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && (b64.back() == ' ' || b64.back() == '=')) b64.remove_suffix(1);
  std::uint32_t acc = 0;
  int bits = 0;
  bool in_user = true;
  for (const char c : b64) {
    const int v = base64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const char byte = static_cast<char>((acc >> bits) & 0xff);
      if (in_user && byte == ':') {
        in_user = false;
      } else if (!on_byte(byte, in_user)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace detail

/// Decodes "Basic <base64(user:password)>" and writes the user name (up to the first ':') to
/// `out` (capacity max_basic_user). False on any other scheme, bad base64 or a longer name.
/// Allocates nothing (ingest's hot path).
inline bool basic_auth_user(std::string_view authorization, char* out, std::size_t& size) noexcept {
  size = 0;
  return detail::decode_basic(authorization, [&](char byte, bool in_user) {
    if (!in_user) return true;
    if (size == max_basic_user) return false;
    out[size++] = byte;
    return true;
  });
}

struct basic_credentials {
  std::string user;
  std::string password;
};

/// The user name and password of a Basic Authorization value; nullopt on any other scheme, bad
/// base64, or a value longer than `max_bytes` decoded.
inline std::optional<basic_credentials> parse_basic_auth(std::string_view authorization,
                                                         std::size_t max_bytes = 4096) {
  basic_credentials c;
  std::size_t total = 0;
  const bool ok = detail::decode_basic(authorization, [&](char byte, bool in_user) {
    if (++total > max_bytes) return false;
    (in_user ? c.user : c.password).push_back(byte);
    return true;
  });
  if (!ok) return std::nullopt;
  return c;
}

}  // namespace gg::http
