#pragma once
// From a zone's wall clock back to instants, the direction in which daylight saving makes a
// wall time skipped or repeated.

#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <chrono>

namespace gg::sched::detail {

/// How a wall time maps to instants: once, not at all (skipped by a forward transition) or
/// twice (repeated by a backward one; `earliest` is the first occurrence).
struct wall_time_mapping {
  enum class kind { unique, skipped, repeated };
  kind type = kind::unique;
  std::chrono::system_clock::time_point earliest{};
};

/// The instants at which `zone` shows the wall time `wall`, given as the time since
/// 1970-01-01 00:00 on that zone's wall clock. Does not throw; a local zone whose C library
/// cannot convert the time reports it as skipped.
wall_time_mapping map_wall_time(const time_zone_spec& zone, std::chrono::seconds wall) noexcept;

}  // namespace gg::sched::detail
