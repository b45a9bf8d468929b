#pragma once
// How traffic volume varies over the week and the day, and the start times of a backfill that
// follows it, so that daily charts and cohorts of a fresh install look like a running shop's.

#include <gadgetgrove/core/time.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace gg::traffic {

/// Relative session volume by weekday and by hour of day (UTC). A plain value.
struct volume_curve {
  /// Monday first. Weekdays busier than the weekend, Sunday evening picking up.
  std::array<double, 7> weekday{1.00, 1.04, 1.06, 1.02, 0.94, 0.72, 0.80};
  /// Hour 0..23: a night trough, a lunchtime bump and an evening peak.
  std::array<double, 24> hour{0.30, 0.20, 0.14, 0.11, 0.10, 0.14, 0.26, 0.45,
                              0.66, 0.80, 0.88, 0.95, 1.00, 0.96, 0.90, 0.88,
                              0.90, 0.96, 1.05, 1.16, 1.20, 1.08, 0.80, 0.50};
  /// Each day's volume is scaled by a factor drawn uniformly from 1 ± daily_noise.
  double daily_noise = 0.08;

  /// weekday[day of t] * hour[hour of t].
  double weight(sys_us t) const noexcept;
};

/// Day of the week of `t` (UTC), 0 = Monday.
unsigned weekday_of(sys_us t) noexcept;
/// Hour of day of `t` (UTC), 0..23.
unsigned hour_of(sys_us t) noexcept;

/// Start times for `sessions` sessions over `days` whole days of hours ending at `end`
/// (truncated to the hour). Session i lands at the inverse of the cumulative volume at
/// (i + u_i) / sessions, where u_i is a seeded uniform draw, so the times are non-decreasing
/// in i, follow the curve (with each day's noise), and any one can be computed on its own.
/// Immutable; safe to share between threads.
class backfill_schedule {
 public:
  backfill_schedule(const volume_curve& curve, unsigned days, std::uint64_t sessions, sys_us end,
                    std::uint64_t seed);

  std::uint64_t size() const noexcept { return sessions_; }
  /// The start of session `i` (< size()).
  sys_us at(std::uint64_t i) const noexcept;
  sys_us begin_time() const noexcept { return begin_; }
  sys_us end_time() const noexcept { return end_; }

 private:
  std::uint64_t sessions_;
  std::uint64_t seed_;
  sys_us begin_{};
  sys_us end_{};
  std::vector<double> cumulative_;  // cumulative weight at the end of each hour
};

}  // namespace gg::traffic
