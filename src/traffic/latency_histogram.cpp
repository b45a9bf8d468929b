#include <gadgetgrove/traffic/latency_histogram.hpp>

#include <algorithm>
#include <bit>
#include <cmath>

namespace gg::traffic {

std::size_t latency_histogram::bucket_of(std::uint64_t us) noexcept {
  if (us < 128) return static_cast<std::size_t>(us);
  us = std::min(us, max_value_us);
  const int shift = std::bit_width(us) - 7;  // us >> shift is in [64, 128)
  return 128 + static_cast<std::size_t>(shift - 1) * 64 +
         static_cast<std::size_t>((us >> shift) - 64);
}

std::uint64_t latency_histogram::bucket_low(std::size_t i) noexcept {
  if (i < 128) return i;
  const std::size_t k = i - 128;
  const unsigned shift = static_cast<unsigned>(k / 64 + 1);
  return (static_cast<std::uint64_t>(k % 64) + 64) << shift;
}

std::uint64_t latency_histogram::bucket_high(std::size_t i) noexcept {
  if (i < 128) return i + 1;
  const std::size_t k = i - 128;
  const unsigned shift = static_cast<unsigned>(k / 64 + 1);
  return (static_cast<std::uint64_t>(k % 64) + 65) << shift;
}

void latency_histogram::record(std::uint64_t us) noexcept {
  buckets_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(us, std::memory_order_relaxed);
  std::uint64_t seen = max_.load(std::memory_order_relaxed);
  while (us > seen && !max_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
  }
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) {
    const auto n = other.buckets_[i].load(std::memory_order_relaxed);
    if (n != 0) buckets_[i].fetch_add(n, std::memory_order_relaxed);
  }
  count_.fetch_add(other.count(), std::memory_order_relaxed);
  sum_.fetch_add(other.sum_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  const std::uint64_t m = other.max();
  std::uint64_t seen = max_.load(std::memory_order_relaxed);
  while (m > seen && !max_.compare_exchange_weak(seen, m, std::memory_order_relaxed)) {
  }
}

void latency_histogram::reset() noexcept {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

double latency_histogram::mean() const noexcept {
  const auto n = count();
  return n == 0
             ? 0.0
             : static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(n);
}

std::uint64_t latency_histogram::percentile(double p) const noexcept {
  std::uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const std::uint64_t lo = bucket_low(i);
      const std::uint64_t hi = bucket_high(i);
      const std::uint64_t mid = i < 128 ? lo : lo + (hi - lo) / 2;
      return std::min(mid, max());
    }
  }
  return max();
}

}  // namespace gg::traffic
