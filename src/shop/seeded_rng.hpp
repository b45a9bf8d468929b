#pragma once
// splitmix64 (Steele, Lea and Flood; Vigna's constants): a tiny generator whose output is fixed
// by its seed on every platform, unlike std:: distributions, whose algorithms differ between
// standard libraries. For reproducible fake data, never for secrets.

#include <cstdint>
#include <span>

namespace gg::shop::detail {

/// The splitmix64 finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/// Not thread-safe: one per thread or per task.
class seeded_rng {
 public:
  explicit constexpr seeded_rng(std::uint64_t seed) noexcept : state_(seed) {}

  constexpr std::uint64_t next() noexcept { return mix64(state_ += golden_gamma); }

  /// Uniform in [0, n) without modulo bias; 0 when n is 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: values under it are biased
    while (true) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

  /// Uniform in [lo, hi] (inclusive).
  constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  /// Uniform in [0, 1) with 53 bits.
  constexpr double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  constexpr bool chance(double p) noexcept { return unit() < p; }

  template <class T>
  constexpr const T& pick(std::span<const T> items) noexcept {
    return items[below(items.size())];
  }

 private:
  std::uint64_t state_;
};

}  // namespace gg::shop::detail
