#include "visitor_pool.hpp"

#include <algorithm>
#include <chrono>

namespace gg::traffic {

visitor_pool::visitor_pool(const session_profile& profile)
    : return_probability_(profile.return_probability),
      mean_gap_us_(std::chrono::duration<double, std::micro>(profile.return_mean_gap).count()),
      min_gap_us_(std::chrono::duration<double, std::micro>(profile.return_min_gap).count()),
      max_waiting_(profile.max_waiting_users) {}

std::optional<simulated_user> visitor_pool::take_due(sys_us at) {
  if (waiting_.empty() || waiting_.top().due > at) return std::nullopt;
  simulated_user u = waiting_.top().user;
  waiting_.pop();
  ++u.visits;
  return u;
}

simulated_user visitor_pool::create() noexcept { return simulated_user{next_number_++, 1}; }

void visitor_pool::after_visit(const simulated_user& user, sys_us at, prng& rng) {
  const double loyalty = 0.08 * static_cast<double>(user.visits > 0 ? user.visits - 1 : 0);
  const double p = std::min(std::max(0.85, return_probability_), return_probability_ + loyalty);
  const bool returns = rng.chance(return_probability_ <= 0 ? 0.0 : p);
  // Drawn even when the user does not return, so one decision never shifts the draws of the
  // next and plans stay comparable across profiles.
  const double gap = std::max(min_gap_us_, rng.exponential(mean_gap_us_));
  if (!returns) return;
  if (waiting_.size() >= max_waiting_) {
    ++let_go_;
    return;
  }
  const auto due = at + std::chrono::microseconds(static_cast<std::int64_t>(gap));
  waiting_.push(pending{due, user});
}

}  // namespace gg::traffic
