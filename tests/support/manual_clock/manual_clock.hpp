#pragma once
// A clock that moves only when told to.

#include <gadgetgrove/sched/clock.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

namespace gg::sched {

namespace detail {
struct manual_clock_state;
}  // namespace detail

/// A clock whose time stands still until advance() or set_wall() moves it; then every timer
/// whose deadline was reached fires, in deadline order: its handler is posted to the timer's
/// executor (so it may not have run yet when the call returns). With it, tests of fixed-rate
/// firing, skipped firings and retry delays run without sleeping: advance the clock, then wait
/// for the effect (a job's run) with a bounded poll. A scheduler re-arms a job's timer after
/// each firing on its own threads; pending() tells when it has.
///
/// Thread safety: every member may be called from any thread. Timers it made may outlive it.
class manual_clock final : public clock {
 public:
  /// Wall time starts at `wall_start`; steady time at an arbitrary fixed point.
  explicit manual_clock(
      std::chrono::system_clock::time_point wall_start = std::chrono::system_clock::time_point{
          std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}});
  ~manual_clock() override;
  manual_clock(const manual_clock&) = delete;
  manual_clock& operator=(const manual_clock&) = delete;

  std::chrono::steady_clock::time_point steady_now() const noexcept override;
  std::chrono::system_clock::time_point wall_now() const noexcept override;
  std::unique_ptr<clock_timer> make_timer(boost::asio::any_io_executor ex) override;

  /// Moves both times forward by `d` (a negative `d` is ignored) and fires the timers now due.
  void advance(std::chrono::nanoseconds d);
  /// Moves the wall time alone to `t`, forward or back (a clock step, as NTP may make), and
  /// fires the wall-time timers now due; steady time does not move.
  void set_wall(std::chrono::system_clock::time_point t);
  /// Moves both times forward to the earliest pending deadline and fires what is due there.
  /// False (and no move) when no timer is waiting.
  bool advance_to_next();
  /// How many timers have a wait pending.
  std::size_t pending() const;
  /// How far the earliest pending deadline is from now (zero if already due); empty when no
  /// timer is waiting.
  std::optional<std::chrono::nanoseconds> next_deadline() const;

 private:
  std::shared_ptr<detail::manual_clock_state> state_;
};

}  // namespace gg::sched
