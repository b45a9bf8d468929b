#include "volume_curve.hpp"

#include <gadgetgrove/core/prng.hpp>

#include <algorithm>
#include <chrono>

namespace gg::traffic {
namespace {

constexpr std::int64_t us_per_hour = 3'600'000'000LL;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

/// A uniform draw in [0, 1) that depends only on (seed, key).
double keyed_unit(std::uint64_t seed, std::uint64_t key) noexcept {
  std::uint64_t state = seed ^ (key * 0xd1342543de82ef95ULL);
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

}  // namespace

unsigned weekday_of(sys_us t) noexcept {
  const std::int64_t days = floor_div(t.time_since_epoch().count(), 24 * us_per_hour);
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return static_cast<unsigned>(((days % 7) + 7 + 3) % 7);
}

unsigned hour_of(sys_us t) noexcept {
  const std::int64_t hours = floor_div(t.time_since_epoch().count(), us_per_hour);
  return static_cast<unsigned>(((hours % 24) + 24) % 24);
}

double volume_curve::weight(sys_us t) const noexcept {
  return weekday[weekday_of(t)] * hour[hour_of(t)];
}

backfill_schedule::backfill_schedule(const volume_curve& curve, unsigned days,
                                     std::uint64_t sessions, sys_us end, std::uint64_t seed)
    : sessions_(sessions), seed_(seed) {
  const std::int64_t end_hour = floor_div(end.time_since_epoch().count(), us_per_hour);
  const std::int64_t hours = static_cast<std::int64_t>(std::max(days, 1u)) * 24;
  begin_ = sys_us(std::chrono::microseconds((end_hour - hours) * us_per_hour));
  end_ = sys_us(std::chrono::microseconds(end_hour * us_per_hour));
  cumulative_.resize(static_cast<std::size_t>(hours));
  double total = 0;
  for (std::int64_t h = 0; h < hours; ++h) {
    const sys_us at = begin_ + std::chrono::microseconds(h * us_per_hour);
    const std::int64_t day = floor_div(at.time_since_epoch().count(), 24 * us_per_hour);
    const double noise =
        1.0 + curve.daily_noise * (2.0 * keyed_unit(seed, static_cast<std::uint64_t>(day)) - 1.0);
    total += std::max(0.0, curve.weight(at) * noise);
    cumulative_[static_cast<std::size_t>(h)] = total;
  }
}

sys_us backfill_schedule::at(std::uint64_t i) const noexcept {
  if (sessions_ == 0 || cumulative_.empty() || cumulative_.back() <= 0) return begin_;
  const double u = keyed_unit(seed_ ^ 0xbac4f111ULL, i);
  const double target =
      (static_cast<double>(i) + u) / static_cast<double>(sessions_) * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
  const auto h = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
      it - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1));
  const double lo = h == 0 ? 0.0 : cumulative_[h - 1];
  const double span = cumulative_[h] - lo;
  const double within = span > 0 ? std::clamp((target - lo) / span, 0.0, 1.0) : 0.0;
  const auto offset = static_cast<std::int64_t>(static_cast<double>(h) * us_per_hour +
                                                within * static_cast<double>(us_per_hour - 1));
  return begin_ + std::chrono::microseconds(offset);
}

}  // namespace gg::traffic
