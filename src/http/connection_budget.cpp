#include <gadgetgrove/http/connection_budget.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace gg::http {
namespace {

std::uint64_t finite(rlim_t v) noexcept {
  return v == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                            : static_cast<std::uint64_t>(v);
}

}  // namespace

connection_budget plan_connection_budget(std::size_t requested, std::size_t reserve,
                                         bool may_raise) {
  connection_budget b;
  b.wanted = requested != 0 ? requested : default_max_connections;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    b.max_connections = b.wanted;
    return b;
  }
  b.soft_limit_before = b.soft_limit = finite(rl.rlim_cur);
  b.hard_limit = finite(rl.rlim_max);
  const std::uint64_t need = static_cast<std::uint64_t>(b.wanted) + reserve;
  if (may_raise && b.soft_limit < need) {
    const std::uint64_t target = std::min(need, b.hard_limit);
    if (target > b.soft_limit) {
      rlimit raised = rl;
      raised.rlim_cur = static_cast<rlim_t>(target);
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
        b.soft_limit = target;
        b.raised = true;
      }
    }
  }
  const std::uint64_t fits = b.soft_limit > 2 * static_cast<std::uint64_t>(reserve)
                                 ? b.soft_limit - reserve
                                 : std::max<std::uint64_t>(1, b.soft_limit / 2);
  b.max_connections = static_cast<std::size_t>(std::min<std::uint64_t>(b.wanted, fits));
  b.capped = b.max_connections < b.wanted;
  return b;
}

}  // namespace gg::http
