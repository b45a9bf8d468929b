#pragma once
// The clock a cron schedule reads its wall time from: UTC, a fixed offset, the process's local
// zone (TZ, through localtime_r/mktime), or a named IANA zone from the OS time zone database.

#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}  // namespace date

namespace gg::sched {

/// Where a cron expression's wall-clock fields are evaluated. A fixed offset never changes; the
/// local zone follows the process's TZ, and a named zone ("Europe/Berlin") the rules of the OS
/// time zone database in /usr/share/zoneinfo (Debian's tzdata, read through Howard Hinnant's
/// date library), both including daylight-saving transitions (see cron_expr for how skipped and
/// repeated wall times behave). A named zone knows the transitions its zoneinfo file lists
/// (through 2037 in Debian's files); past the last one its last offset continues.
///
/// A plain value: copy it freely, and use it from any thread (the local zone relies on the
/// thread-safe localtime_r/mktime; a named zone refers to the process-wide, immutable database,
/// whose zone data is loaded once, by parse()).
class time_zone_spec {
 public:
  enum class kind { utc, fixed, local, named };

  /// UTC.
  constexpr time_zone_spec() noexcept = default;

  static constexpr time_zone_spec utc() noexcept { return {}; }
  static constexpr time_zone_spec local() noexcept {
    return time_zone_spec{kind::local, {}, nullptr};
  }
  /// A fixed offset east of UTC; an error when it is beyond +-18:00.
  static gg::result<time_zone_spec> fixed(std::chrono::minutes offset);
  /// The IANA zone `name` ("America/New_York"), matched exactly or else ignoring case (the
  /// database's spelling is kept). Errors (invalid_input) name a zone the database lacks, or
  /// say that the database in /usr/share/zoneinfo cannot be read. Reads the database on first
  /// use; call it at start-up.
  static gg::result<time_zone_spec> named(std::string_view name);
  /// Accepts "UTC", "Z", "local" (case-insensitive), an offset "+05:30", "-0800", "+09", or
  /// an IANA zone name as named() does.
  static gg::result<time_zone_spec> parse(std::string_view text);

  kind type() const noexcept { return kind_; }
  /// The offset east of UTC of a fixed zone; zero for UTC, local and named zones (whose offset
  /// depends on the instant: see offset_at()).
  std::chrono::minutes offset() const noexcept { return offset_; }
  /// The offset east of UTC in effect at `t`, in whole seconds (historic local mean times are
  /// not whole minutes).
  std::chrono::seconds offset_at(std::chrono::system_clock::time_point t) const noexcept;
  /// "UTC", "local", "+05:30" or the zone's name ("Europe/Berlin").
  std::string to_string() const;

  /// The database's zone for kind::named, null otherwise. Lives as long as the process.
  const date::time_zone* zone() const noexcept { return zone_; }

  friend bool operator==(const time_zone_spec&, const time_zone_spec&) = default;

 private:
  constexpr time_zone_spec(kind k, std::chrono::minutes offset,
                           const date::time_zone* zone) noexcept
      : kind_(k), offset_(offset), zone_(zone) {}

  kind kind_ = kind::utc;
  std::chrono::minutes offset_{0};
  const date::time_zone* zone_ = nullptr;  // kind::named only; owned by the tz database
};

}  // namespace gg::sched
