#include "manual_clock.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <mutex>
#include <utility>
#include <variant>
#include <vector>

namespace gg::sched {

using std::chrono::steady_clock;
using std::chrono::system_clock;

namespace {
class manual_timer;
}  // namespace

namespace detail {

/// A handler taken from a timer under the mutex, posted once it is released: posting may
/// destroy the handler (an io_context that is shutting down), and with it the timer's owner,
/// whose timer destructor takes the mutex.
struct ready_handler {
  boost::asio::any_io_executor ex;
  clock_timer::handler fn;
  boost::system::error_code ec;
};

void post_all(std::vector<ready_handler>& ready) {
  for (auto& r : ready) {
    boost::asio::post(r.ex, [fn = std::move(r.fn), ec = r.ec] { fn(ec); });
  }
  ready.clear();
}

/// Shared by the clock and its timers, so a timer may outlive the clock.
struct manual_clock_state {
  mutable std::mutex mtx;  // guards everything here and every timer's wait
  steady_clock::time_point steady{std::chrono::hours(24 * 365)};
  system_clock::time_point wall{};
  std::vector<manual_timer*> timers;  // every live timer, waiting or not

  /// The time to the earliest pending deadline (zero if due), with `mtx` held.
  std::optional<std::chrono::nanoseconds> next_locked() const;
  /// Takes the handlers of every timer now due, earliest deadline first, with `mtx` held.
  void take_due(std::vector<ready_handler>& out);
};

}  // namespace detail

namespace {

using deadline = std::variant<steady_clock::time_point, system_clock::time_point>;

class manual_timer final : public clock_timer {
 public:
  manual_timer(std::shared_ptr<detail::manual_clock_state> st, boost::asio::any_io_executor ex)
      : st_(std::move(st)), ex_(std::move(ex)) {
    std::lock_guard lk(st_->mtx);
    st_->timers.push_back(this);
  }

  ~manual_timer() override {
    std::lock_guard lk(st_->mtx);
    st_->timers.erase(std::find(st_->timers.begin(), st_->timers.end(), this));
  }

  manual_timer(const manual_timer&) = delete;
  manual_timer& operator=(const manual_timer&) = delete;

  void wait_until(steady_clock::time_point at, handler fn) override { arm(at, std::move(fn)); }
  void wait_until(system_clock::time_point at, handler fn) override { arm(at, std::move(fn)); }

  void cancel() override {
    std::vector<detail::ready_handler> ready;
    {
      std::lock_guard lk(st_->mtx);
      abort_locked(ready);
    }
    detail::post_all(ready);
  }

  // The rest is used under the state's mutex.
  bool waiting() const { return static_cast<bool>(fn_); }

  /// How far the deadline is from the clock's current times; zero or less when due.
  std::chrono::nanoseconds remaining(const detail::manual_clock_state& st) const {
    if (const auto* s = std::get_if<steady_clock::time_point>(&at_)) return *s - st.steady;
    return std::get<system_clock::time_point>(at_) - st.wall;
  }

  void take_locked(std::vector<detail::ready_handler>& out, boost::system::error_code ec) {
    out.push_back({ex_, std::move(fn_), ec});
    fn_ = nullptr;
  }

 private:
  void arm(deadline at, handler fn) {
    std::vector<detail::ready_handler> ready;
    {
      std::lock_guard lk(st_->mtx);
      abort_locked(ready);
      at_ = at;
      fn_ = std::move(fn);
      st_->take_due(ready);
    }
    detail::post_all(ready);
  }

  void abort_locked(std::vector<detail::ready_handler>& out) {
    if (fn_) take_locked(out, boost::asio::error::operation_aborted);
  }

  std::shared_ptr<detail::manual_clock_state> st_;
  boost::asio::any_io_executor ex_;
  deadline at_{};
  handler fn_;
};

}  // namespace

void detail::manual_clock_state::take_due(std::vector<ready_handler>& out) {
  std::vector<std::pair<std::chrono::nanoseconds, manual_timer*>> due;
  for (manual_timer* t : timers) {
    if (!t->waiting()) continue;
    const auto left = t->remaining(*this);
    if (left <= std::chrono::nanoseconds::zero()) due.emplace_back(left, t);
  }
  // The most overdue first: that is deadline order.
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [left, t] : due) t->take_locked(out, {});
}

std::optional<std::chrono::nanoseconds> detail::manual_clock_state::next_locked() const {
  std::optional<std::chrono::nanoseconds> next;
  for (const manual_timer* t : timers) {
    if (!t->waiting()) continue;
    const auto left = std::max(t->remaining(*this), std::chrono::nanoseconds::zero());
    if (!next || left < *next) next = left;
  }
  return next;
}

manual_clock::manual_clock(system_clock::time_point wall_start)
    : state_(std::make_shared<detail::manual_clock_state>()) {
  state_->wall = wall_start;
}

manual_clock::~manual_clock() = default;

steady_clock::time_point manual_clock::steady_now() const noexcept {
  std::lock_guard lk(state_->mtx);
  return state_->steady;
}

system_clock::time_point manual_clock::wall_now() const noexcept {
  std::lock_guard lk(state_->mtx);
  return state_->wall;
}

std::unique_ptr<clock_timer> manual_clock::make_timer(boost::asio::any_io_executor ex) {
  return std::make_unique<manual_timer>(state_, std::move(ex));
}

void manual_clock::advance(std::chrono::nanoseconds d) {
  if (d < std::chrono::nanoseconds::zero()) return;
  std::vector<detail::ready_handler> ready;
  {
    std::lock_guard lk(state_->mtx);
    state_->steady += d;
    state_->wall += std::chrono::duration_cast<system_clock::duration>(d);
    state_->take_due(ready);
  }
  detail::post_all(ready);
}

void manual_clock::set_wall(system_clock::time_point t) {
  std::vector<detail::ready_handler> ready;
  {
    std::lock_guard lk(state_->mtx);
    state_->wall = t;
    state_->take_due(ready);
  }
  detail::post_all(ready);
}

bool manual_clock::advance_to_next() {
  std::vector<detail::ready_handler> ready;
  {
    std::lock_guard lk(state_->mtx);
    const auto next = state_->next_locked();
    if (!next) return false;
    state_->steady += *next;
    state_->wall += std::chrono::duration_cast<system_clock::duration>(*next);
    state_->take_due(ready);
  }
  detail::post_all(ready);
  return true;
}

std::size_t manual_clock::pending() const {
  std::lock_guard lk(state_->mtx);
  return static_cast<std::size_t>(
      std::count_if(state_->timers.begin(), state_->timers.end(),
                    [](const manual_timer* t) { return t->waiting(); }));
}

std::optional<std::chrono::nanoseconds> manual_clock::next_deadline() const {
  std::lock_guard lk(state_->mtx);
  return state_->next_locked();
}

}  // namespace gg::sched
