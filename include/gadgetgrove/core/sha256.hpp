#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): the keyed tags of the admin surface's CSRF
// tokens.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace gg {

using sha256_digest = std::array<std::uint8_t, 32>;

/// Incremental SHA-256. A plain value: copy it to hash a common prefix once.
class sha256 {
 public:
  sha256() noexcept;
  sha256& update(std::span<const std::uint8_t> data) noexcept;
  sha256& update(std::string_view data) noexcept;
  /// The digest of everything updated so far; the object is spent afterwards.
  sha256_digest finish() noexcept;

  /// The digest of `data` in one call.
  static sha256_digest of(std::string_view data) noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes hashed so far
};

/// HMAC-SHA-256 of `message` under `key` (any length; keys longer than 64 bytes are hashed).
sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) noexcept;

}  // namespace gg
