#pragma once
// The program's one non-cryptographic generator: xoshiro256** (Blackman and Vigna), seeded
// through splitmix64 for reproducible draws or from the kernel's CSPRNG for bits that must be
// unique but need not be secret. Distributions are written here rather than taken from <random>,
// whose algorithms differ between standard libraries: the same seed gives the same draws with
// any compiler. Never for secrets (use secure_random in random.hpp).

#include <gadgetgrove/core/random.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gg {

namespace detail {
__extension__ typedef unsigned __int128 uint128;
}  // namespace detail

/// The splitmix64 increment (the golden ratio in 64 bits).
inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/// The splitmix64 finaliser: a bijective mix of 64 bits, for deriving seeds from seeds.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The splitmix64 step: advances `state` and returns the next output.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  return mix64(state += golden_gamma);
}

/// A xoshiro256** generator with a few distributions. A plain value, not thread-safe: keep one
/// per thread or per model.
class prng {
 public:
  /// The generator whose stream is fixed by `seed` (expanded through splitmix64).
  explicit constexpr prng(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
  }

  /// A generator seeded from the kernel's CSPRNG (see secure_random): unpredictable streams.
  static prng from_entropy() noexcept {
    prng out(0);
    do {
      secure_random(
          std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.s_.data()), sizeof(s_)));
    } while ((out.s_[0] | out.s_[1] | out.s_[2] | out.s_[3]) == 0);  // all-zero is a fixed point
    return out;
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

  /// One of `items`, uniformly; `items` must not be empty.
  template <class T>
  constexpr const T& pick(std::span<const T> items) noexcept {
    return items[below(items.size())];
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }

  std::array<std::uint64_t, 4> s_{};
};

}  // namespace gg
