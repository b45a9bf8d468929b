#include <gadgetgrove/sched/job.hpp>

#include <algorithm>
#include <cmath>

namespace gg::sched {

std::chrono::milliseconds retry_delay(const retry_policy& p, unsigned retry,
                                      double jitter_draw) noexcept {
  using std::chrono::milliseconds;
  const milliseconds delay = std::max(p.delay, milliseconds::zero());
  milliseconds wait = delay;
  if (p.exponential) {
    // The cap never undercuts the configured delay: a delay above max_delay stays constant.
    const milliseconds cap = std::max(p.max_delay, delay);
    // Doubling stops at the cap, so a large retry number cannot overflow the representation.
    for (unsigned n = 1; n < retry && wait < cap; ++n) {
      wait = wait > cap / 2 ? cap : wait * 2;
    }
    wait = std::min(wait, cap);
  }
  // NaN and out-of-range settings or draws are clamped rather than trusted.
  const double jitter = std::isnan(p.jitter) ? 0.0 : std::clamp(p.jitter, 0.0, 1.0);
  const double draw = std::isnan(jitter_draw) ? 0.0 : std::clamp(jitter_draw, 0.0, 1.0);
  if (jitter == 0.0 || draw == 0.0 || wait == milliseconds::zero()) return wait;
  const double scaled = static_cast<double>(wait.count()) * (1.0 - jitter * draw);
  return milliseconds(static_cast<milliseconds::rep>(std::llround(scaled)));
}

}  // namespace gg::sched
