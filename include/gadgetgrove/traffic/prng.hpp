#pragma once
// The generator behind every synthetic draw: xoshiro256** seeded through splitmix64, with
// distributions written here rather than taken from <random>, whose algorithms differ between
// standard libraries. The same seed gives the same draws with any compiler.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gg::traffic {

namespace detail {
__extension__ typedef unsigned __int128 uint128;
}  // namespace detail

/// The splitmix64 step: advances `state` and returns the next output.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A seeded xoshiro256** generator with a few distributions. A plain value, not thread-safe:
/// keep one per thread or per model.
class prng {
 public:
  explicit constexpr prng(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, n) without modulo bias (Lemire's method); 0 when n is 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    detail::uint128 m = static_cast<detail::uint128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<detail::uint128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Uniform in [lo, hi], inclusive; lo when hi < lo.
  constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  /// Uniform in [0, 1) with 53 random bits.
  constexpr double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// True with probability `p` (p <= 0 never, p >= 1 always).
  constexpr bool chance(double p) noexcept { return unit() < p; }

  /// Exponentially distributed with the given mean (inverse transform).
  double exponential(double mean) noexcept { return -mean * std::log1p(-unit()); }

  /// An index drawn with probability proportional to `weights[i]` (non-negative); 0 when every
  /// weight is zero or the span is empty.
  std::size_t weighted(std::span<const double> weights) noexcept {
    double total = 0;
    for (double w : weights) total += w > 0 ? w : 0;
    if (total <= 0) return 0;
    double x = unit() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const double w = weights[i] > 0 ? weights[i] : 0;
      if (x < w) return i;
      x -= w;
    }
    return weights.size() - 1;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace gg::traffic
