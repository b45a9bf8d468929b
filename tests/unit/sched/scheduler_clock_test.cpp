#include <gadgetgrove/sched/scheduler.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include "manual_clock.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

// The scheduler's timing contracts on a manual clock: no test here sleeps for a period or a
// delay. Each step advances the clock, then waits (bounded, in real time) for the scheduler's
// threads to act on it: a run to happen, or the job's next timer to be armed.

namespace {

using gg::sched::job_id;
using gg::sched::job_options;
using gg::sched::manual_clock;
using gg::sched::scheduler;
using gg::sched::scheduler_options;
using gg::test::eventually;
using std::chrono::system_clock;
using namespace std::chrono_literals;

struct quiet_log {
  quiet_log() { gg::log::set_level(gg::log::level::error); }
  ~quiet_log() { gg::log::set_level(gg::log::level::info); }
};

scheduler_options on(const std::shared_ptr<manual_clock>& clock, std::uint64_t seed = 0) {
  scheduler_options o{2, 2};
  o.time_source = clock;
  o.jitter_seed = seed;
  return o;
}

job_options retrying(unsigned retries, std::chrono::milliseconds delay) {
  job_options o;
  o.retry.retries = retries;
  o.retry.delay = delay;
  return o;
}

gg::sched::job_stats stats_of(const scheduler& s, job_id id) {
  auto st = s.stats(id);
  REQUIRE(st.has_value());
  return *st;
}

/// The wall times at which a job's attempts started, read from the scheduler's clock.
struct attempt_log {
  std::shared_ptr<manual_clock> clock;
  mutable std::mutex mtx;
  std::vector<system_clock::time_point> at;

  void record() {
    std::lock_guard lk(mtx);
    at.push_back(clock->wall_now());
  }
  std::size_t size() const {
    std::lock_guard lk(mtx);
    return at.size();
  }
  std::vector<std::chrono::milliseconds> gaps() const {
    std::lock_guard lk(mtx);
    std::vector<std::chrono::milliseconds> out;
    for (std::size_t i = 1; i < at.size(); ++i) {
      out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(at[i] - at[i - 1]));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("on a manual clock an interval job fires exactly at each period, at a fixed rate",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  const auto t0 = clock->wall_now();
  attempt_log runs{clock};
  auto id = s.every(
      "tick", 10s,
      [&](std::stop_token) -> gg::status {
        runs.record();
        clock->advance(3s);  // the run itself takes 3 s of the clock
        return {};
      },
      job_options{});
  REQUIRE(id.has_value());
  CHECK(clock->pending() == 0);  // nothing is armed before run()
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  CHECK(clock->next_deadline() == std::optional<std::chrono::nanoseconds>(10s));
  CHECK(stats_of(s, *id).next_fire == t0 + 10s);

  clock->advance(10s - 1ms);
  CHECK(clock->pending() == 1);  // not due: nothing was posted
  clock->advance(1ms);
  REQUIRE(eventually([&] { return stats_of(s, *id).succeeded == 1 && clock->pending() == 1; }));
  // Fixed rate: the next firing is due 10 s after the previous due time, not after the run.
  CHECK(clock->next_deadline() == std::optional<std::chrono::nanoseconds>(7s));
  auto st = stats_of(s, *id);
  CHECK(st.last_start == t0 + 10s);
  CHECK(st.last_duration == 3s);
  CHECK(st.next_fire == t0 + 20s);

  for (int i = 2; i <= 4; ++i) {
    REQUIRE(clock->advance_to_next());
    REQUIRE(eventually([&] {
      return stats_of(s, *id).succeeded == static_cast<std::uint64_t>(i) && clock->pending() == 1;
    }));
  }
  CHECK(runs.gaps() == std::vector<std::chrono::milliseconds>{10s, 10s, 10s});
  CHECK(stats_of(s, *id).skipped == 0);
  s.stop();
}

TEST_CASE("on a manual clock a scheduler that fell behind fires once and does not catch up",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  const auto t0 = clock->wall_now();
  auto id = s.every("tick", 10s, [](std::stop_token) -> gg::status { return {}; });
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  clock->advance(35s);  // three and a half periods at once
  REQUIRE(eventually([&] { return stats_of(s, *id).succeeded == 1 && clock->pending() == 1; }));
  // No burst of three: the schedule restarts one period after now.
  CHECK(clock->next_deadline() == std::optional<std::chrono::nanoseconds>(10s));
  CHECK(stats_of(s, *id).next_fire == t0 + 45s);
  CHECK(stats_of(s, *id).succeeded == 1);
  s.stop();
}

TEST_CASE("on a manual clock a firing that finds the previous run still going is skipped",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::atomic<int> started{0};
  std::atomic<bool> release{false};
  auto id = s.every(
      "slow", 10s,
      [&](std::stop_token) -> gg::status {
        const int now = ++active;
        int seen = max_active.load();
        while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
        }
        ++started;
        eventually([&] { return release.load(); }, 10s, 1ms, "the test to release the job");
        --active;
        return {};
      },
      retrying(0, 1s));
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  clock->advance(10s);
  REQUIRE(eventually([&] { return started.load() == 1 && clock->pending() == 1; }));
  CHECK(stats_of(s, *id).running);

  clock->advance(10s);
  REQUIRE(eventually([&] { return stats_of(s, *id).skipped == 1 && clock->pending() == 1; }));
  clock->advance(10s);
  REQUIRE(eventually([&] { return stats_of(s, *id).skipped == 2 && clock->pending() == 1; }));
  CHECK(started.load() == 1);

  release.store(true);
  REQUIRE(eventually([&] { return !stats_of(s, *id).running; }));
  release.store(false);
  clock->advance(10s);
  REQUIRE(eventually([&] { return started.load() == 2; }));
  release.store(true);
  REQUIRE(eventually([&] { return stats_of(s, *id).succeeded == 2; }));
  CHECK(max_active.load() == 1);
  CHECK(stats_of(s, *id).skipped == 2);
  s.stop();
}

TEST_CASE("on a manual clock retries wait exactly the policy's delays, doubling to the cap",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  attempt_log attempts{clock};
  job_options o = retrying(4, 10s);
  o.retry.exponential = true;
  o.retry.max_delay = 25s;
  auto id = s.every(
      "backoff", 1h,
      [&](std::stop_token) -> gg::status {
        attempts.record();
        return gg::fail(gg::errc::unavailable, "still down", true);
      },
      o);
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  REQUIRE(s.run_now(*id).has_value());
  // Each failure arms the retry timer beside the hourly one; it is the nearer deadline.
  std::size_t before = 0;
  for (auto expected : {10s, 20s, 25s, 25s}) {
    ++before;
    REQUIRE(eventually([&] { return attempts.size() == before && clock->pending() == 2; }));
    CHECK(clock->next_deadline() == std::optional<std::chrono::nanoseconds>(expected));
    clock->advance(expected - 1ms);
    CHECK(clock->pending() == 2);  // one millisecond early: still waiting
    clock->advance(1ms);
    REQUIRE(eventually([&] { return attempts.size() == before + 1; }));
  }
  REQUIRE(eventually([&] {
    const auto st = stats_of(s, *id);
    return st.failed == 5 && !st.running && clock->pending() == 1;
  }));
  CHECK(attempts.gaps() == std::vector<std::chrono::milliseconds>{10s, 20s, 25s, 25s});
  const auto st = stats_of(s, *id);
  CHECK(st.retried == 4);
  CHECK(st.last_error == "still down");
  s.stop();
}

TEST_CASE(
    "on a manual clock a retry that succeeds ends the firing and firings meanwhile are skipped",
    "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  attempt_log attempts{clock};
  auto id = s.every(
      "flaky", 10s,
      [&](std::stop_token) -> gg::status {
        attempts.record();
        if (attempts.size() < 2) return gg::fail(gg::errc::unavailable, "database is down", true);
        return {};
      },
      retrying(2, 15s));
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  clock->advance(10s);  // t = 10 s: the first attempt fails; its retry is due at 25 s
  REQUIRE(eventually([&] { return attempts.size() == 1 && clock->pending() == 2; }));
  clock->advance(10s);  // t = 20 s: the interval fires while the retry is pending
  REQUIRE(eventually([&] { return stats_of(s, *id).skipped == 1 && clock->pending() == 2; }));
  auto busy = s.run_now(*id);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code == gg::errc::conflict);
  clock->advance(5s);  // t = 25 s: the retry succeeds
  REQUIRE(eventually([&] { return stats_of(s, *id).succeeded == 1 && !stats_of(s, *id).running; }));
  CHECK(attempts.gaps() == std::vector<std::chrono::milliseconds>{15s});
  const auto st = stats_of(s, *id);
  CHECK(st.failed == 1);
  CHECK(st.retried == 1);
  CHECK(st.skipped == 2);
  CHECK(st.last_error == "database is down");
  s.stop();
}

TEST_CASE("on a manual clock retry jitter stays in range and a jitter seed reproduces it",
          "[unit][sched]") {
  quiet_log quiet;
  // The delays a scheduler seeded with `seed` picks for five successive retries.
  const auto delays = [](std::uint64_t seed) {
    auto clock = std::make_shared<manual_clock>();
    scheduler s{on(clock, seed)};
    std::atomic<int> calls{0};
    job_options o = retrying(5, 10s);
    o.retry.jitter = 0.5;
    auto id = s.every(
        "jittery", 1h,
        [&](std::stop_token) -> gg::status {
          ++calls;
          return gg::fail(gg::errc::unavailable, "down", true);
        },
        o);
    REQUIRE(id.has_value());
    s.run();
    REQUIRE(eventually([&] { return clock->pending() == 1; }));
    REQUIRE(s.run_now(*id).has_value());
    std::vector<std::chrono::nanoseconds> out;
    for (int i = 1; i <= 5; ++i) {
      REQUIRE(eventually([&] { return calls.load() == i && clock->pending() == 2; }));
      out.push_back(*clock->next_deadline());
      REQUIRE(clock->advance_to_next());
    }
    s.stop();
    return out;
  };
  const auto a = delays(42);
  const auto b = delays(42);
  const auto c = delays(43);
  CHECK(a == b);
  CHECK(a != c);
  for (const auto& d : a) {
    CHECK(d >= 5s);
    CHECK(d <= 10s);
  }
}

TEST_CASE("on a manual clock a cron job in Europe/Berlin fires once through the repeated hour",
          "[unit][sched]") {
  quiet_log quiet;
  // 2026-10-25 00:00 UTC is 02:00 CEST; at 01:00 UTC the wall clock goes back to 02:00 CET.
  const auto t0 =
      system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 10 / 25}};
  auto clock = std::make_shared<manual_clock>(t0);
  scheduler s{on(clock)};
  auto expr = gg::sched::cron_expr::parse("*/15 * * * *");
  REQUIRE(expr.has_value());
  auto berlin = gg::sched::time_zone_spec::parse("Europe/Berlin");
  REQUIRE(berlin.has_value());
  attempt_log runs{clock};
  auto id = s.on_cron("quarterly", *expr, *berlin, [&](std::stop_token) -> gg::status {
    runs.record();
    return {};
  });
  REQUIRE(id.has_value());
  CHECK(stats_of(s, *id).schedule == "cron */15 * * * * Europe/Berlin");
  s.run();
  for (std::size_t i = 1; i <= 5; ++i) {
    REQUIRE(eventually([&] { return runs.size() == i - 1 && clock->pending() == 1; }));
    REQUIRE(clock->advance_to_next());
    REQUIRE(eventually([&] { return runs.size() == i; }));
  }
  std::lock_guard lk(runs.mtx);
  CHECK(runs.at == std::vector<system_clock::time_point>{t0 + 15min, t0 + 30min, t0 + 45min,
                                                         t0 + 2h, t0 + 2h + 15min});
}

TEST_CASE("on a manual clock a cron job never fires a minute twice when the wall clock steps back",
          "[unit][sched]") {
  quiet_log quiet;
  const auto t0 =
      system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 6 / 1}} + 10h + 30s;
  auto clock = std::make_shared<manual_clock>(t0);
  scheduler s{on(clock)};
  auto expr = gg::sched::cron_expr::parse("* * * * *");
  REQUIRE(expr.has_value());
  attempt_log runs{clock};
  auto id = s.on_cron("minutely", *expr, gg::sched::time_zone_spec::utc(),
                      [&](std::stop_token) -> gg::status {
                        runs.record();
                        return {};
                      });
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  clock->advance(30s);  // 10:01:00
  REQUIRE(eventually([&] { return runs.size() == 1 && clock->pending() == 1; }));
  clock->set_wall(t0 - 2min);  // the wall clock steps back to 09:58:30
  clock->advance(3min);        // 10:01:30: 10:01 was already fired
  CHECK(clock->pending() == 1);
  clock->advance(30s);  // 10:02
  REQUIRE(eventually([&] { return runs.size() == 2 && clock->pending() == 1; }));
  std::lock_guard lk(runs.mtx);
  CHECK(runs.at.back() - runs.at.front() == 1min);  // 10:01, then 10:02
  CHECK(stats_of(s, *id).succeeded == 2);
}

TEST_CASE("on a manual clock run_at_start runs once at once, then waits a full period",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  const auto t0 = clock->wall_now();
  std::atomic<int> runs{0};
  job_options o;
  o.run_at_start = true;
  auto id = s.every(
      "eager", 1h,
      [&](std::stop_token) -> gg::status {
        ++runs;
        return {};
      },
      o);
  REQUIRE(id.has_value());
  CHECK(runs.load() == 0);  // nothing is scheduled before run()
  s.run();
  REQUIRE(eventually([&] { return runs.load() == 1 && clock->pending() == 1; }));
  CHECK(stats_of(s, *id).next_fire == t0 + 1h);
  clock->advance(1h - 1s);
  CHECK(clock->pending() == 1);
  CHECK(runs.load() == 1);
  clock->advance(1s);
  REQUIRE(eventually([&] { return runs.load() == 2; }));
  s.stop();
}

TEST_CASE("on a manual clock a job that throws fails with the exception's message and retries",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  std::atomic<int> calls{0};
  auto id = s.every(
      "broken", 1h,
      [&](std::stop_token) -> gg::status {
        ++calls;
        throw std::runtime_error("disk on fire");
      },
      retrying(1, 100ms));
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(eventually([&] { return calls.load() == 1 && clock->pending() == 2; }));
  CHECK(stats_of(s, *id).running);  // a pending retry keeps the firing in flight
  clock->advance(100ms);
  REQUIRE(eventually([&] {
    const auto st = stats_of(s, *id);
    return st.failed == 2 && !st.running && clock->pending() == 1;
  }));
  clock->advance(1h - 100ms - 1ms);  // retries are exhausted: nothing more until the hour
  CHECK(clock->pending() == 1);
  const auto st = stats_of(s, *id);
  CHECK(calls.load() == 2);
  CHECK(st.retried == 1);
  CHECK_THAT(st.last_error, Catch::Matchers::Contains("disk on fire"));
  s.stop();
}

TEST_CASE("on a manual clock run_now starts a run at once and refuses while one is running",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  std::atomic<int> runs{0};
  std::atomic<bool> release{false};
  auto id = s.every(
      "manual", 1h,
      [&](std::stop_token) -> gg::status {
        ++runs;
        eventually([&] { return release.load(); }, 10s, 1ms, "the test to release the job");
        return {};
      },
      retrying(0, 1s));
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  CHECK(runs.load() == 0);  // the clock has not moved, so nothing is due
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(eventually([&] { return runs.load() == 1; }));
  auto busy = s.run_now(*id);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code == gg::errc::conflict);
  CHECK(stats_of(s, *id).running);
  release.store(true);
  REQUIRE(eventually([&] { return !stats_of(s, *id).running; }));
  CHECK(stats_of(s, *id).succeeded == 1);
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(eventually([&] { return stats_of(s, *id).succeeded == 2; }));
  CHECK(stats_of(s, *id).skipped == 1);
  CHECK(s.run_now(job_id{9999}).error().code == gg::errc::not_found);
  // The schedule did not move: run_now does not reset the interval.
  CHECK(clock->next_deadline() == std::optional<std::chrono::nanoseconds>(1h));
  s.stop();
}

TEST_CASE(
    "on a manual clock a cancelled job fires no more and its running attempt sees the "
    "stop token",
    "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  scheduler s{on(clock)};
  std::atomic<int> runs{0};
  std::atomic<bool> saw_stop{false};
  auto id = s.every(
      "cancellable", 10s,
      [&](std::stop_token token) -> gg::status {
        if (++runs < 3) return {};
        eventually([&] { return token.stop_requested(); }, 10s, 1ms, "the stop token");
        saw_stop.store(token.stop_requested());
        return gg::fail(gg::errc::cancelled, "stopped between steps");
      },
      retrying(2, 1s));
  REQUIRE(id.has_value());
  s.run();
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(eventually([&] { return clock->pending() == 1; }));
    clock->advance(10s);
    REQUIRE(eventually([&] { return runs.load() == i; }));
  }
  REQUIRE(s.cancel(*id).has_value());
  REQUIRE(eventually([&] { return saw_stop.load(); }));
  REQUIRE(eventually([&] { return clock->pending() == 0; }));  // its timers are cancelled
  clock->advance(1h);
  CHECK(clock->pending() == 0);
  CHECK(runs.load() == 3);
  CHECK(s.cancel(*id).error().code == gg::errc::not_found);
  CHECK(s.run_now(*id).error().code == gg::errc::not_found);
  CHECK_FALSE(s.stats(*id));
  CHECK(s.jobs().empty());
  s.stop();
}

TEST_CASE("on a manual clock stop cancels every job's timers before the io threads end",
          "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  // Each job function holds a share of `alive`: once the scheduler is gone, a job that is still
  // alive (held by a timer's handler that stop() left behind) keeps it from expiring.
  auto alive = std::make_shared<int>(0);
  const std::weak_ptr<int> watch = alive;
  const bool started = GENERATE(true, false);
  INFO("io threads started: " << started);
  {
    scheduler s{on(clock)};
    auto expr = gg::sched::cron_expr::parse("* * * * *");
    REQUIRE(expr.has_value());
    auto noop = [alive](std::stop_token) -> gg::status { return {}; };
    auto failing = [alive](std::stop_token) -> gg::status { return gg::fail(gg::errc::io, "no"); };
    REQUIRE(s.every("interval", 10s, noop).has_value());
    REQUIRE(s.on_cron("cron", *expr, gg::sched::time_zone_spec::utc(), noop).has_value());
    const auto retrying_id = s.every("retrying", 1h, failing, retrying(3, 1min));
    REQUIRE(retrying_id.has_value());
    const auto cancelled_id = s.every("cancelled", 10s, noop);
    REQUIRE(cancelled_id.has_value());
    alive.reset();
    if (started) {
      s.run();
      REQUIRE(eventually([&] { return clock->pending() == 4; }));
      REQUIRE(s.run_now(*retrying_id).has_value());
      REQUIRE(eventually([&] { return stats_of(s, *retrying_id).retried == 1; }));
      REQUIRE(eventually([&] { return clock->pending() == 5; }));  // the retry wait as well
    }
    REQUIRE(s.cancel(*cancelled_id).has_value());
    s.stop();
    CHECK(clock->pending() == 0);
  }
  CHECK(watch.expired());
}

TEST_CASE(
    "a scheduler's jobs count their runs in the metrics registry it is given, not the "
    "process-wide one",
    "[unit][sched]") {
  quiet_log quiet;
  auto clock = std::make_shared<manual_clock>();
  gg::metrics::registry reg;
  auto options = on(clock);
  options.metrics = &reg;
  scheduler s{options};
  auto id = s.every(
      "counted-here", 10s, [](std::stop_token) -> gg::status { return {}; }, job_options{});
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(eventually([&] { return clock->pending() == 1; }));
  clock->advance(10s);
  CHECK(eventually([&] {
    return reg.expose().find(
               R"(gadgetgrove_sched_job_runs_total{job="counted-here",outcome="success"} 1)") !=
           std::string::npos;
  }));
  CHECK(gg::metrics::global().expose().find(R"(job="counted-here")") == std::string::npos);
}
