#include "manual_clock.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using gg::sched::clock_timer;
using gg::sched::manual_clock;
using std::chrono::steady_clock;
using std::chrono::system_clock;
using namespace std::chrono_literals;

/// Records what each handler was called with, in order.
struct recorder {
  std::vector<std::string> calls;
  clock_timer::handler on(std::string name) {
    return [this, name](const boost::system::error_code& ec) {
      calls.push_back(name + (ec == boost::asio::error::operation_aborted ? ":aborted"
                              : ec                                        ? ":error"
                                                                          : ":due"));
    };
  }
};

}  // namespace

TEST_CASE("a manual clock stands still until advanced, then fires due timers in deadline order",
          "[unit][sched]") {
  boost::asio::io_context io;
  manual_clock clock;
  const auto steady0 = clock.steady_now();
  const auto wall0 = clock.wall_now();
  CHECK(wall0 == system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}});

  recorder r;
  auto a = clock.make_timer(io.get_executor());
  auto b = clock.make_timer(io.get_executor());
  auto c = clock.make_timer(io.get_executor());
  a->wait_until(steady0 + 30s, r.on("a"));
  b->wait_until(wall0 + 10s, r.on("b"));
  c->wait_until(steady0 + 20s, r.on("c"));
  CHECK(clock.pending() == 3);
  CHECK(clock.next_deadline() == std::optional<std::chrono::nanoseconds>(10s));

  clock.advance(9s);
  io.poll();
  CHECK(r.calls.empty());
  CHECK(clock.steady_now() == steady0 + 9s);
  CHECK(clock.wall_now() == wall0 + 9s);

  clock.advance(1min);
  CHECK(clock.pending() == 0);
  io.restart();
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"b:due", "c:due", "a:due"});
  CHECK_FALSE(clock.next_deadline().has_value());
}

TEST_CASE("a manual timer reports cancellation and replacement as operation_aborted",
          "[unit][sched]") {
  boost::asio::io_context io;
  manual_clock clock;
  recorder r;
  auto t = clock.make_timer(io.get_executor());
  t->wait_until(clock.steady_now() + 5s, r.on("first"));
  t->wait_until(clock.steady_now() + 10s, r.on("second"));  // replaces the first
  CHECK(clock.pending() == 1);
  t->cancel();
  CHECK(clock.pending() == 0);
  clock.advance(1h);
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"first:aborted", "second:aborted"});

  // A deadline already reached fires without any advance.
  r.calls.clear();
  t->wait_until(clock.steady_now(), r.on("now"));
  io.restart();
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"now:due"});
}

TEST_CASE("set_wall moves only the wall time and wakes only wall-time timers", "[unit][sched]") {
  boost::asio::io_context io;
  manual_clock clock;
  recorder r;
  const auto steady0 = clock.steady_now();
  auto steady_timer = clock.make_timer(io.get_executor());
  auto wall_timer = clock.make_timer(io.get_executor());
  steady_timer->wait_until(steady0 + 1h, r.on("steady"));
  wall_timer->wait_until(clock.wall_now() + 1h, r.on("wall"));

  clock.set_wall(clock.wall_now() + 2h);  // a clock step forward
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"wall:due"});
  CHECK(clock.steady_now() == steady0);

  clock.set_wall(clock.wall_now() - 5h);  // and back: nothing fires
  clock.advance(-1h);                     // a negative advance is ignored
  CHECK(clock.steady_now() == steady0);
  CHECK(clock.pending() == 1);
  CHECK(clock.advance_to_next());
  CHECK(clock.steady_now() == steady0 + 1h);
  io.restart();
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"wall:due", "steady:due"});
  CHECK_FALSE(clock.advance_to_next());
}

TEST_CASE("a manual timer may outlive its clock, and a destroyed timer never fires",
          "[unit][sched]") {
  boost::asio::io_context io;
  recorder r;
  std::unique_ptr<clock_timer> survivor;
  {
    auto clock = std::make_unique<manual_clock>();
    survivor = clock->make_timer(io.get_executor());
    auto gone = clock->make_timer(io.get_executor());
    gone->wait_until(clock->steady_now() + 1s, r.on("gone"));
    gone.reset();
    CHECK(clock->pending() == 0);
    survivor->wait_until(clock->steady_now() + 1s, r.on("survivor"));
  }
  survivor->cancel();
  survivor.reset();
  io.poll();
  CHECK(r.calls == std::vector<std::string>{"survivor:aborted"});
}
