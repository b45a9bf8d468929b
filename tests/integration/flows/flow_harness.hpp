#pragma once
// What the flows engine tests share: a manual clock, a database with the migrations, a
// scheduler, engines built on them, gates that hold a task until the test opens them, and
// queries of the run history.

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include "pg_fixture.hpp"
#include "pg_query.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <source_location>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

namespace gg::flows {

// Lets Catch print a result<run_record> or result<trigger_result> a check failed on.
inline std::ostream& operator<<(std::ostream& os, const run_record& r) {
  return os << "run " << r.id << " " << to_string(r.state) << " " << r.error;
}
inline std::ostream& operator<<(std::ostream& os, const trigger_result& r) {
  return os << "run " << r.run_id << " " << to_string(r.state) << (r.coalesced ? " coalesced" : "");
}

}  // namespace gg::flows

namespace gg::pg {
inline std::ostream& operator<<(std::ostream& os, const query_result& r) {
  return os << r.rows() << " rows";
}
}  // namespace gg::pg

namespace gg::test::flows {

using namespace std::chrono_literals;
using gg::flows::time_point;

/// The wall clock the engine reads; moves only when the test says so.
class manual_clock {
 public:
  explicit manual_clock(time_point start) : ns_(start.time_since_epoch().count()) {}
  time_point now() const { return time_point(time_point::duration(ns_.load())); }
  void advance(std::chrono::nanoseconds d) {
    ns_.fetch_add(std::chrono::duration_cast<time_point::duration>(d).count());
  }
  void set(time_point t) { ns_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<time_point::duration::rep> ns_;
};

inline time_point at(const char* iso) {
  auto t = gg::parse_iso8601(iso);
  REQUIRE(t.has_value());
  return time_point(*t);
}

inline std::string iso(time_point t) {
  return gg::format_iso8601_us(std::chrono::floor<std::chrono::microseconds>(t));
}

/// The suite's bounded poll (gg::test::eventually) with this stage's longer default timeout: a
/// flow's tasks run on a loaded blocking pool.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds timeout = 10s,
                std::source_location where = std::source_location::current()) {
  return gg::test::eventually(std::forward<Pred>(pred), timeout, std::chrono::milliseconds(5), {},
                              where);
}

/// Holds the tasks that pass through it until opened; a stop request lets them out cancelled.
class gate {
 public:
  /// Blocks until open() or a stop; counts the callers that arrived.
  gg::status pass(std::stop_token stop) {
    std::unique_lock lock(m_);
    ++arrived_;
    cv_.notify_all();
    std::stop_callback wake(stop, [this] {
      std::lock_guard l(m_);
      cv_.notify_all();
    });
    cv_.wait(lock, [&] { return open_ || stop.stop_requested(); });
    if (!open_) return gg::fail(gg::errc::cancelled, "stopped at the gate");
    return {};
  }
  void open() {
    std::lock_guard lock(m_);
    open_ = true;
    cv_.notify_all();
  }
  int arrived() const {
    std::lock_guard lock(m_);
    return arrived_;
  }
  bool wait_arrived(int n) {
    return eventually([&] { return arrived() >= n; });
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
  int arrived_ = 0;
};

/// A migrated database, a scheduler with a blocking pool, a manual clock, and the registry the
/// engines register their metrics with.
struct harness {
  harness()
      : db(pg_database::schema::migrated), conn(db.connect()), clock(at("2026-12-04T12:00:00Z")) {
    gg::log::set_level(gg::log::level::error);
  }
  ~harness() { gg::log::set_level(gg::log::level::info); }

  gg::flows::engine_options options(std::string node = "test-node:1") {
    gg::flows::engine_options o;
    o.conninfo = [c = db.conninfo()] { return c; };
    o.node = std::move(node);
    o.tick = std::chrono::milliseconds::zero();
    o.now = [this] { return clock.now(); };
    o.metrics = &metrics;
    return o;
  }

  std::unique_ptr<gg::flows::engine> make(std::string node = "test-node:1") {
    return make(options(std::move(node)));
  }
  std::unique_ptr<gg::flows::engine> make(gg::flows::engine_options o) {
    return std::make_unique<gg::flows::engine>(std::move(o), sched);
  }

  std::int64_t count(const std::string& sql) { return scalar(conn, sql); }
  std::string value(const std::string& sql) { return text(conn, sql); }

  std::string state_of(const std::string& run_id) {
    return value("SELECT state FROM pipeline.flow_runs WHERE id = '" + run_id + "'");
  }
  /// Waits until the run's row is final (another thread finishes it).
  std::string final_state(const std::string& run_id) {
    std::string s;
    eventually([&] {
      s = state_of(run_id);
      return s != "running" && s != "pending" && s != "scheduled";
    });
    return s;
  }
  /// Every run as "flow trigger state scheduled_for node error" lines, for failure messages.
  std::string runs_table() {
    return value(
        "SELECT coalesce(string_agg(concat_ws(' ', flow, trigger, state, to_char(scheduled_for AT "
        "TIME ZONE 'UTC', 'HH24:MI:SS'), node, error), E'\\n' ORDER BY created_at, id), '') FROM "
        "pipeline.flow_runs");
  }
  /// The retry run created for `run_id`, or "".
  std::string retry_of(const std::string& run_id) {
    return value("SELECT coalesce((SELECT id::text FROM pipeline.flow_runs WHERE parent_run = '" +
                 run_id + "'), '')");
  }
  /// Milliseconds from `a` to `b` of two timestamptz expressions.
  std::int64_t ms_between(const std::string& a, const std::string& b) {
    return count("SELECT (extract(epoch FROM (" + b + ") - (" + a + ")) * 1000)::bigint");
  }

  gg::metrics::registry metrics;
  pg_database db;
  gg::pg::connection conn;
  manual_clock clock;
  gg::sched::scheduler sched{gg::sched::scheduler_options{1, 6}};
};

inline gg::flows::task_definition task(std::string name, gg::flows::task_fn fn) {
  gg::flows::task_definition t;
  t.name = std::move(name);
  t.fn = std::move(fn);
  return t;
}

inline gg::flows::flow_definition flow(std::string name,
                                       std::vector<gg::flows::task_definition> tasks) {
  gg::flows::flow_definition f;
  f.name = std::move(name);
  f.tasks = std::move(tasks);
  f.retry.retries = 0;
  return f;
}

inline gg::deadline soon(std::chrono::milliseconds d = 10s) {
  return std::chrono::steady_clock::now() + d;
}

}  // namespace gg::test::flows
