#include "retry_plan.hpp"

#include <gadgetgrove/sched/job.hpp>

namespace gg::flows::detail {

std::optional<std::chrono::milliseconds> retry_plan::delay_after(const retry_policy& p,
                                                                 unsigned failed_attempt) {
  if (failed_attempt == 0 || failed_attempt > p.retries) return std::nullopt;
  double draw = 0.0;
  // A draw only when it matters keeps the waits of jitter-free policies independent of the
  // generator's position.
  if (p.jitter > 0.0) {
    std::lock_guard lock(mutex_);
    draw = prng_.unit();
  }
  return sched::retry_delay(p, failed_attempt, draw);
}

}  // namespace gg::flows::detail
