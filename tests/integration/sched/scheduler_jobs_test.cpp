#include <gadgetgrove/sched/scheduler.hpp>

#include <gadgetgrove/core/log.hpp>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using gg::sched::job_id;
using gg::sched::job_options;
using gg::sched::scheduler;
using gg::sched::scheduler_options;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Polls `pred` until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto end = steady_clock::now() + timeout;
  while (!pred()) {
    if (steady_clock::now() > end) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// Keeps per-run info lines out of the test output.
struct quiet_log {
  quiet_log() { gg::log::set_level(gg::log::level::error); }
  ~quiet_log() { gg::log::set_level(gg::log::level::info); }
};

job_options no_retry() {
  job_options o;
  o.retry.retries = 0;
  return o;
}

gg::sched::job_stats stats_of(const scheduler& s, job_id id) {
  auto st = s.stats(id);
  REQUIRE(st.has_value());
  return *st;
}

constexpr scheduler_options small{2, 2};

}  // namespace

TEST_CASE("an interval job fires repeatedly and never overlaps itself", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::atomic<int> runs{0};
  auto id = s.every(
      "slow", 10ms,
      [&](std::stop_token) -> gg::status {
        const int now = ++active;
        int seen = max_active.load();
        while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(35ms);
        --active;
        ++runs;
        return {};
      },
      no_retry());
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(wait_until([&] { return runs.load() >= 4; }));
  s.stop();
  CHECK(max_active.load() == 1);
  const auto st = stats_of(s, *id);
  CHECK(st.skipped >= 2);
  CHECK(st.succeeded == static_cast<std::uint64_t>(runs.load()));
  CHECK(st.failed == 0);
  CHECK(st.name == "slow");
  CHECK(st.schedule == "every 10ms");
}

TEST_CASE("an interval job keeps to its period", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::mutex mtx;
  std::vector<steady_clock::time_point> fired;
  auto id = s.every("tick", 20ms, [&](std::stop_token) -> gg::status {
    std::lock_guard lk(mtx);
    fired.push_back(steady_clock::now());
    return {};
  });
  REQUIRE(id.has_value());
  const auto t0 = steady_clock::now();
  s.run();
  REQUIRE(wait_until([&] {
    std::lock_guard lk(mtx);
    return fired.size() >= 5;
  }));
  s.stop();
  std::lock_guard lk(mtx);
  // The fifth firing is due 100 ms after run(); a fixed-rate timer cannot be early.
  CHECK(fired[4] - t0 >= 95ms);
  CHECK(fired.front() - t0 >= 18ms);
}

TEST_CASE("a failed run is retried after the policy's delay until it succeeds",
          "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::mutex mtx;
  std::vector<steady_clock::time_point> attempts;
  job_options o;
  o.retry.retries = 2;
  o.retry.delay = 30ms;
  auto id = s.every(
      "flaky", 1h,
      [&](std::stop_token) -> gg::status {
        std::lock_guard lk(mtx);
        attempts.push_back(steady_clock::now());
        if (attempts.size() < 3) return gg::fail(gg::errc::unavailable, "database is down", true);
        return {};
      },
      o);
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return stats_of(s, *id).succeeded == 1; }));
  const auto st = stats_of(s, *id);
  CHECK(st.failed == 2);
  CHECK(st.retried == 2);
  CHECK(st.last_error == "database is down");
  CHECK_FALSE(st.running);
  std::lock_guard lk(mtx);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[1] - attempts[0] >= 30ms);
  CHECK(attempts[2] - attempts[1] >= 30ms);
}

TEST_CASE("exponential backoff doubles the wait between a job's retries", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::mutex mtx;
  std::vector<steady_clock::time_point> attempts;
  job_options o;
  o.retry.retries = 3;
  o.retry.delay = 20ms;
  o.retry.exponential = true;
  o.retry.max_delay = 50ms;
  auto id = s.every(
      "backoff", 1h,
      [&](std::stop_token) -> gg::status {
        std::lock_guard lk(mtx);
        attempts.push_back(steady_clock::now());
        return gg::fail(gg::errc::unavailable, "still down", true);
      },
      o);
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] {
    const auto st = stats_of(s, *id);
    return st.failed == 4 && !st.running;
  }));
  s.stop();
  std::lock_guard lk(mtx);
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[1] - attempts[0] >= 20ms);
  CHECK(attempts[2] - attempts[1] >= 40ms);
  CHECK(attempts[3] - attempts[2] >= 50ms);  // 80 ms capped at max_delay
}

TEST_CASE("retries stop when the policy is exhausted and firings are skipped meanwhile",
          "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::atomic<int> calls{0};
  job_options o;
  o.retry.retries = 1;
  o.retry.delay = 100ms;
  auto id = s.every(
      "broken", 1h,
      [&](std::stop_token) -> gg::status {
        ++calls;
        throw std::runtime_error("disk on fire");
      },
      o);
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return calls.load() == 1; }));
  // While the retry is pending the firing is still in flight.
  auto again = s.run_now(*id);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == gg::errc::conflict);
  REQUIRE(wait_until([&] {
    const auto st = stats_of(s, *id);
    return st.failed == 2 && !st.running;
  }));
  std::this_thread::sleep_for(150ms);
  const auto st = stats_of(s, *id);
  CHECK(calls.load() == 2);
  CHECK(st.failed == 2);
  CHECK(st.retried == 1);
  CHECK(st.skipped == 1);
  CHECK_THAT(st.last_error, Catch::Matchers::Contains("disk on fire"));
}

TEST_CASE("run_now starts a run at once and refuses while one is running", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::atomic<int> runs{0};
  std::atomic<bool> release{false};
  auto id = s.every(
      "manual", 1h,
      [&](std::stop_token) -> gg::status {
        ++runs;
        while (!release.load()) std::this_thread::sleep_for(1ms);
        return {};
      },
      no_retry());
  REQUIRE(id.has_value());
  s.run();
  std::this_thread::sleep_for(30ms);
  CHECK(runs.load() == 0);
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return runs.load() == 1; }));
  auto busy = s.run_now(*id);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().code == gg::errc::conflict);
  CHECK(stats_of(s, *id).running);
  release.store(true);
  REQUIRE(wait_until([&] { return !stats_of(s, *id).running; }));
  CHECK(stats_of(s, *id).succeeded == 1);
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return stats_of(s, *id).succeeded == 2; }));
  CHECK(stats_of(s, *id).skipped == 1);
  CHECK(s.run_now(job_id{9999}).error().code == gg::errc::not_found);
}

TEST_CASE("run_at_start runs a job once when the scheduler runs", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
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
  std::this_thread::sleep_for(30ms);
  CHECK(runs.load() == 0);  // nothing is scheduled before run()
  s.run();
  REQUIRE(wait_until([&] { return runs.load() == 1; }));
  std::this_thread::sleep_for(50ms);
  CHECK(runs.load() == 1);
  const auto st = stats_of(s, *id);
  REQUIRE(st.next_fire);
  CHECK(*st.next_fire > std::chrono::system_clock::now() + 59min);
}

TEST_CASE("a cancelled job fires no more and its running attempt sees the stop token",
          "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::atomic<int> runs{0};
  std::atomic<bool> saw_stop{false};
  auto id = s.every(
      "cancellable", 10ms,
      [&](std::stop_token token) -> gg::status {
        if (++runs < 3) return {};
        const auto end = steady_clock::now() + 5s;
        while (!token.stop_requested() && steady_clock::now() < end) {
          std::this_thread::sleep_for(1ms);
        }
        saw_stop.store(token.stop_requested());
        return gg::fail(gg::errc::cancelled, "stopped between steps");
      },
      no_retry());
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(wait_until([&] { return runs.load() >= 3; }));
  REQUIRE(s.cancel(*id).has_value());
  REQUIRE(wait_until([&] { return saw_stop.load(); }, 2s));
  const int after_cancel = runs.load();
  std::this_thread::sleep_for(100ms);
  CHECK(runs.load() == after_cancel);
  CHECK(s.cancel(*id).error().code == gg::errc::not_found);
  CHECK(s.run_now(*id).error().code == gg::errc::not_found);
  CHECK_FALSE(s.stats(*id));
  CHECK(s.jobs().empty());
}

TEST_CASE("stop cancels running jobs cooperatively and waits for them", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  std::atomic<bool> started{false};
  std::atomic<bool> returned{false};
  std::atomic<bool> ignorant_started{false};
  std::atomic<bool> ignorant_done{false};
  auto cooperative = s.every(
      "cooperative", 1h,
      [&](std::stop_token token) -> gg::status {
        started.store(true);
        const auto end = steady_clock::now() + 10s;
        while (!token.stop_requested() && steady_clock::now() < end) {
          std::this_thread::sleep_for(1ms);
        }
        returned.store(true);
        if (token.stop_requested()) return gg::fail(gg::errc::cancelled, "stopping");
        return {};
      },
      no_retry());
  auto ignorant = s.every(
      "ignorant", 1h,
      [&](std::stop_token) -> gg::status {
        ignorant_started.store(true);
        std::this_thread::sleep_for(150ms);
        ignorant_done.store(true);
        return {};
      },
      no_retry());
  REQUIRE(cooperative.has_value());
  REQUIRE(ignorant.has_value());
  s.run();
  REQUIRE(s.run_now(*cooperative).has_value());
  REQUIRE(s.run_now(*ignorant).has_value());
  REQUIRE(wait_until([&] { return started.load() && ignorant_started.load(); }));
  const auto t0 = steady_clock::now();
  s.stop();
  CHECK(steady_clock::now() - t0 < 3s);
  CHECK(returned.load());
  CHECK(ignorant_done.load());  // stop() waited for the job that ignores its token
  CHECK(stats_of(s, *cooperative).cancelled == 1);
  CHECK(stats_of(s, *ignorant).succeeded == 1);
  CHECK(s.stopped());
  CHECK(s.run_now(*cooperative).error().code == gg::errc::unavailable);
  CHECK(s.every("late", 1s, [](std::stop_token) -> gg::status { return {}; }).error().code ==
        gg::errc::unavailable);
}

TEST_CASE("stop ends a pending retry without waiting for its delay", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  job_options o;
  o.retry.retries = 2;
  o.retry.delay = 10s;
  auto id = s.every(
      "retrying", 1h, [](std::stop_token) -> gg::status { return gg::fail(gg::errc::io, "no"); },
      o);
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return stats_of(s, *id).retried == 1; }));
  const auto t0 = steady_clock::now();
  s.stop();
  CHECK(steady_clock::now() - t0 < 2s);
  CHECK(stats_of(s, *id).failed == 1);
}

TEST_CASE("stop works when the io threads never ran", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  job_options o;
  o.retry.retries = 1;
  o.retry.delay = 10s;
  std::atomic<int> calls{0};
  auto id = s.every(
      "unstarted", 1h,
      [&](std::stop_token) -> gg::status {
        ++calls;
        return gg::fail(gg::errc::io, "no");
      },
      o);
  REQUIRE(id.has_value());
  REQUIRE(s.run_now(*id).has_value());  // runs on the blocking pool even without io threads
  REQUIRE(wait_until([&] { return calls.load() == 1; }));
  REQUIRE(wait_until([&] { return stats_of(s, *id).retried == 1; }));
  const auto t0 = steady_clock::now();
  s.stop();
  CHECK(steady_clock::now() - t0 < 2s);
}

TEST_CASE("a long blocking job does not stall the io threads", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{scheduler_options{1, 2}};
  std::atomic<bool> job_running{false};
  std::atomic<bool> release{false};
  auto id = s.every(
      "long", 1h,
      [&](std::stop_token) -> gg::status {
        job_running.store(true);
        while (!release.load()) std::this_thread::sleep_for(1ms);
        return {};
      },
      no_retry());
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return job_running.load(); }));
  std::atomic<bool> handled{false};
  boost::asio::post(s.io(), [&] { handled.store(true); });
  CHECK(wait_until([&] { return handled.load(); }, 1s));
  release.store(true);
  s.stop();
}

TEST_CASE("job registration rejects bad intervals, repeated names and impossible crons",
          "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  auto noop = [](std::stop_token) -> gg::status { return {}; };
  CHECK(s.every("zero", 0ms, noop).error().code == gg::errc::invalid_input);
  CHECK(s.every("negative", -5ms, noop).error().code == gg::errc::invalid_input);
  CHECK(s.every("empty", 1s, gg::sched::job{}).error().code == gg::errc::invalid_input);
  REQUIRE(s.every("dup", 1s, noop).has_value());
  CHECK(s.every("dup", 1s, noop).error().code == gg::errc::conflict);

  auto never = gg::sched::cron_expr::parse("0 0 30 2 *");
  REQUIRE(never.has_value());
  auto bad = s.on_cron("never", *never, gg::sched::time_zone_spec::utc(), noop);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == gg::errc::invalid_input);
  CHECK_THAT(bad.error().message, Catch::Matchers::Contains("never fires"));
}

TEST_CASE("a cron job is armed for the expression's next matching minute", "[integration][sched]") {
  quiet_log quiet;
  scheduler s{small};
  auto expr = gg::sched::cron_expr::parse("*/5 * * * *");
  REQUIRE(expr.has_value());
  const auto zone = gg::sched::time_zone_spec::parse("+05:30");
  REQUIRE(zone.has_value());
  std::atomic<int> runs{0};
  const auto before = std::chrono::system_clock::now();
  auto id = s.on_cron("five", *expr, *zone, [&](std::stop_token) -> gg::status {
    ++runs;
    return {};
  });
  REQUIRE(id.has_value());
  s.run();
  REQUIRE(wait_until([&] { return stats_of(s, *id).next_fire.has_value(); }));
  const auto after = std::chrono::system_clock::now();
  const auto st = stats_of(s, *id);
  CHECK(st.schedule == "cron */5 * * * * +05:30");
  const auto expected_lo = expr->next_after(before, *zone);
  const auto expected_hi = expr->next_after(after, *zone);
  CHECK((*st.next_fire == *expected_lo || *st.next_fire == *expected_hi));
  CHECK(*st.next_fire > before);
  CHECK(*st.next_fire - before <= 5min);
  REQUIRE(s.run_now(*id).has_value());
  REQUIRE(wait_until([&] { return runs.load() == 1; }));
  REQUIRE(s.jobs().size() == 1);
  CHECK(s.jobs()[0].name == "five");
}
