#pragma once
// How many connections a listener may hold given the process's descriptor limit, so idle
// connections cannot take the descriptors the event log and the database need.

#include <cstddef>
#include <cstdint>

namespace gg::http {

/// The connection cap when none is asked for, if the descriptor limit allows it.
inline constexpr std::size_t default_max_connections = 10000;

struct connection_budget {
  std::size_t max_connections = 0;  // the cap to use
  std::size_t wanted = 0;           // asked for (or the default)
  std::uint64_t soft_limit_before = 0;
  std::uint64_t soft_limit = 0;  // RLIMIT_NOFILE after any raise
  std::uint64_t hard_limit = 0;
  bool raised = false;  // the soft limit was raised
  bool capped = false;  // max_connections < wanted: the caller should warn
};

/// Plans the cap for `requested` connections (0: default_max_connections), keeping `reserve`
/// descriptors for everything else (segments, database connections, other listeners). When
/// `may_raise` (outside systemd, whose LimitNOFILE= is the operator's word), the soft
/// RLIMIT_NOFILE is raised toward `wanted + reserve`, up to the hard limit. The cap is then
/// what the soft limit leaves after the reserve (at least 1, and at most half the limit when
/// the reserve does not fit). Changes process state (setrlimit); call once at start-up.
connection_budget plan_connection_budget(std::size_t requested, std::size_t reserve,
                                         bool may_raise);

}  // namespace gg::http
