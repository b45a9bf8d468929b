#pragma once
// xoshiro256** (Blackman and Vigna): a small, fast generator for bits that must be unique but
// need not be secret. Seeded from the kernel's CSPRNG. Not thread-safe: keep one per thread.

#include <array>
#include <cstdint>

#include <gadgetgrove/core/random.hpp>

namespace gg::detail {

class xoshiro256 {
 public:
  xoshiro256() noexcept { reseed(); }

  void reseed() noexcept {
    do {
      secure_random(
          std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(s_.data()), sizeof(s_)));
    } while ((s_[0] | s_[1] | s_[2] | s_[3]) == 0);  // the all-zero state is a fixed point
  }

  std::uint64_t next() noexcept {
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

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace gg::detail
