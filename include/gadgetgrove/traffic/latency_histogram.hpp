#pragma once
// A log-linear latency histogram in the manner of HdrHistogram: exact below 128 µs, then 64
// buckets per power of two (worst relative error 1/64), up to about 19 hours.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gg::traffic {

/// Any number of threads may record and read at once: counts are relaxed atomics, so a reader
/// sees a recent, possibly slightly torn, picture.
class latency_histogram {
 public:
  static constexpr unsigned sub_bucket_bits = 6;
  static constexpr std::uint64_t max_value_us = (std::uint64_t{1} << 36) - 1;
  static constexpr std::size_t bucket_count = 128 + (36 - 7) * 64;

  /// Records one latency in microseconds (values above max_value_us are clamped).
  void record(std::uint64_t us) noexcept;
  /// Adds every count of `other` into this one.
  void merge(const latency_histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  std::uint64_t max() const noexcept { return max_.load(std::memory_order_relaxed); }
  double mean() const noexcept;
  /// The latency at percentile `p` (0..100): the representative value of the bucket holding
  /// that rank (its midpoint), never above max(); 0 when empty.
  std::uint64_t percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t us) noexcept;
  /// Lowest value of bucket `i` and the first value past it.
  static std::uint64_t bucket_low(std::size_t i) noexcept;
  static std::uint64_t bucket_high(std::size_t i) noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> max_{0};
};

}  // namespace gg::traffic
