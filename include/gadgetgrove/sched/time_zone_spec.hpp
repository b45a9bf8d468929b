#pragma once
// The clock a cron schedule reads its wall time from: UTC, a fixed offset, or the process's
// local zone (TZ, through localtime_r/mktime).

#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace gg::sched {

/// Where a cron expression's wall-clock fields are evaluated. A fixed offset never changes; the
/// local zone follows the process's TZ including daylight-saving transitions (see cron_expr for
/// how skipped and repeated wall times behave). A plain value: copy it freely, and use it from
/// any thread (the local zone relies on the thread-safe localtime_r/mktime).
class time_zone_spec {
 public:
  enum class kind { utc, fixed, local };

  /// UTC.
  constexpr time_zone_spec() noexcept = default;

  static constexpr time_zone_spec utc() noexcept { return {}; }
  static constexpr time_zone_spec local() noexcept { return time_zone_spec{kind::local, {}}; }
  /// A fixed offset east of UTC; an error when it is beyond +-18:00.
  static gg::result<time_zone_spec> fixed(std::chrono::minutes offset);
  /// Accepts "UTC", "Z", "local", or an offset "+05:30", "-0800", "+09" (case-insensitive).
  static gg::result<time_zone_spec> parse(std::string_view text);

  kind type() const noexcept { return kind_; }
  /// The offset east of UTC; zero for UTC and for the local zone.
  std::chrono::minutes offset() const noexcept { return offset_; }
  /// "UTC", "local" or "+05:30".
  std::string to_string() const;

  friend bool operator==(const time_zone_spec&, const time_zone_spec&) = default;

 private:
  constexpr time_zone_spec(kind k, std::chrono::minutes offset) noexcept
      : kind_(k), offset_(offset) {}

  kind kind_ = kind::utc;
  std::chrono::minutes offset_{0};
};

}  // namespace gg::sched
