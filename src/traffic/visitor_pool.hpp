#pragma once
// The simulated users who come back: each visit of a known user may schedule a later one, so
// cohorts of first-visit days shrink week by week as a real shop's do.

#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace gg::traffic {

struct simulated_user {
  std::uint64_t number = 0;  // 1-based, in order of first visit
  std::uint32_t visits = 0;  // visits so far, including the current one
};

/// Users waiting for their next visit, earliest first. After each visit a user returns with
/// probability return_probability (rising by 0.08 per earlier visit, to at most 0.85 unless
/// set higher: loyal users stay), after an exponential gap (mean return_mean_gap, at least
/// return_min_gap). At most max_waiting_users wait; a user beyond that is let go and counted.
///
/// Not thread-safe; the owning session_model serialises access.
class visitor_pool {
 public:
  explicit visitor_pool(const session_profile& profile);

  /// The earliest user whose next visit is due at or before `at`, removed from the waiting
  /// list with its visit count incremented; nullopt when none is due.
  std::optional<simulated_user> take_due(sys_us at);
  /// A user visiting for the first time.
  simulated_user create() noexcept;
  /// Decides whether `user`, who visited at `at`, comes back, and when.
  void after_visit(const simulated_user& user, sys_us at, prng& rng);

  std::size_t waiting() const noexcept { return waiting_.size(); }
  std::uint64_t users() const noexcept { return next_number_ - 1; }
  std::uint64_t let_go() const noexcept { return let_go_; }

 private:
  struct pending {
    sys_us due;
    simulated_user user;
    bool operator>(const pending& o) const noexcept {
      return due != o.due ? due > o.due : user.number > o.user.number;
    }
  };

  double return_probability_;
  double mean_gap_us_;
  double min_gap_us_;
  std::size_t max_waiting_;
  std::uint64_t next_number_ = 1;
  std::uint64_t let_go_ = 0;
  std::priority_queue<pending, std::vector<pending>, std::greater<>> waiting_;
};

}  // namespace gg::traffic
