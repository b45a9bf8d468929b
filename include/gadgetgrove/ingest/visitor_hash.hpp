#pragma once
// The daily-rotating visitor hash: a keyed pseudo-random function of (UTC day, client address,
// user agent). The same visitor gets the same value all day and an unrelated one the next day;
// without the key the address cannot be recovered by trying every IPv4 address.

#include <array>
#include <cstdint>
#include <string_view>

namespace gg::ingest {

/// SipHash-2-4 of `data` under the 128-bit `key` (little-endian halves k0, k1), as specified
/// by Aumasson and Bernstein. Exposed for its reference test vectors.
std::uint64_t siphash_2_4(std::uint64_t k0, std::uint64_t k1, std::string_view data) noexcept;

/// Immutable after construction; hash() is safe from any number of threads.
class visitor_hash {
 public:
  /// `secret` of any length; an empty secret turns the hash off (enabled() is false).
  explicit visitor_hash(std::string_view secret);

  bool enabled() const noexcept { return enabled_; }

  /// The hash of one visitor on UTC day `day` (days since 1970-01-01): SipHash-2-4 under the
  /// key of (day, address, XXH3-64 of the agent). `ip` should be the canonical full address, so
  /// the hash does not depend on the storage mode.
  std::uint64_t hash(std::int64_t day, std::string_view ip, std::string_view user_agent) const;

 private:
  bool enabled_ = false;
  std::uint64_t k0_ = 0;
  std::uint64_t k1_ = 0;
};

}  // namespace gg::ingest
