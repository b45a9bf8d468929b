// Flows engine benchmark: what the engine's bookkeeping costs around the work of a flow.
//   run:      trigger() of an idle one-task no-op flow until wait() sees it completed (the run
//             row, the task row, the end with its log line, the flow's status refresh)
//   coalesce: trigger() while the flow runs, folded into the pending run
//   poll:     one poll() over 4 idle flows whose history holds --history runs each
//   prune:    prune() of that history (runs with a task row and a log line each) in --batch rows
// Each is measured beside its floor, the same database work issued directly over one connection
// with nothing around it, and the ratio printed:
//   run:      six autocommit statements (the run row, running, the task row, a log line, the task's
//             end, the run's end)
//   poll:     one indexed read of each flow's latest run
//   prune:    one unbatched DELETE of the same history
// Prints the median and the 99th percentile of each (prune: its total and rows per second).

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include "scratch_database.hpp"
#include "traffic_rows.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct config {
  int runs = 500;
  std::int64_t history = 100'000;
  std::size_t batch = 5000;
  std::string work_dir;
  std::string conninfo;
  std::string sql_dir;
  std::string pg_bin_dir = "/usr/lib/postgresql/15/bin";
  bool keep = false;
};

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double quantile(std::vector<double> ms, double q) {
  if (ms.empty()) return 0.0;
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))];
}

void report(const char* name, const std::vector<double>& ms) {
  fmt::print("{:<14} {:>8} samples  median {:>8.3f} ms  p99 {:>8.3f} ms\n", name, ms.size(),
             quantile(ms, 0.5), quantile(ms, 0.99));
}

void report_ratio(const char* name, const std::vector<double>& ours,
                  const std::vector<double>& floor) {
  const double f = quantile(floor, 0.5);
  fmt::print("{:<14} engine / floor, medians: {:.2f}x\n", name,
             f > 0 ? quantile(ours, 0.5) / f : 0.0);
}

/// Writes `history` completed runs per flow, a second apart and all past retention, each with a
/// task run and a log line, as the engine writes them.
void write_history(gg::pg::connection& c, std::int64_t history) {
  for (const char* flow : {"load", "transform", "cleanup", "traffic"}) {
    gg::bench::bench_check(
        c.exec("INSERT INTO pipeline.flow_runs (id, flow, trigger, state, created_at, "
               "started_at, ended_at, duration_s) SELECT gen_random_uuid(), $1, 'schedule', "
               "'completed', t, t, t + interval '1 second', 1 FROM (SELECT now() - interval "
               "'2 days' - make_interval(secs => g) AS t FROM generate_series(1, $2::bigint) "
               "AS g(g)) AS h",
               flow, history),
        "history");
  }
  gg::bench::bench_check(
      c.exec("INSERT INTO pipeline.task_runs (flow_run, task, position, state, started_at, "
             "ended_at) SELECT id, 'step', 0, 'completed', started_at, ended_at FROM "
             "pipeline.flow_runs WHERE trigger = 'schedule'"),
      "history tasks");
  gg::bench::bench_check(
      c.exec("INSERT INTO pipeline.run_logs (flow_run, task, logged_at, level, message) "
             "SELECT id, 'step', ended_at, 'info', 'done' FROM pipeline.flow_runs "
             "WHERE trigger = 'schedule'"),
      "history logs");
  gg::bench::bench_check(c.exec("ANALYZE"), "analyze");
}

/// The floor under one run: the rows the engine keeps for a one-task run, written directly.
void floor_run(gg::pg::connection& c) {
  auto id = gg::bench::bench_check(
      c.exec("INSERT INTO pipeline.flow_runs (id, flow, trigger, state) VALUES "
             "(gen_random_uuid(), 'floor', 'manual', 'pending') RETURNING id::text"),
      "floor run");
  const std::string run(id.get(0, 0));
  gg::bench::bench_check(
      c.exec("UPDATE pipeline.flow_runs SET state = 'running', started_at = now(), "
             "lease_until = now() + interval '1 minute', heartbeat_at = now() "
             "WHERE id = $1::uuid",
             run),
      "floor running");
  auto task = gg::bench::bench_check(
      c.exec("INSERT INTO pipeline.task_runs (flow_run, task, position, state, "
             "started_at) VALUES ($1::uuid, 'step', 0, 'running', now()) RETURNING id",
             run),
      "floor task");
  const std::string task_id(task.get(0, 0));
  gg::bench::bench_check(
      c.exec("INSERT INTO pipeline.run_logs (flow_run, task, level, message) VALUES "
             "($1::uuid, 'step', 'info', 'done')",
             run),
      "floor log");
  gg::bench::bench_check(
      c.exec("UPDATE pipeline.task_runs SET state = 'completed', ended_at = now(), "
             "duration_s = 0 WHERE id = $1",
             task_id),
      "floor task end");
  gg::bench::bench_check(
      c.exec("UPDATE pipeline.flow_runs SET state = 'completed', ended_at = now(), "
             "duration_s = 0, lease_until = NULL WHERE id = $1::uuid",
             run),
      "floor end");
}

/// Holds the first run of a flow until released, so triggers meet a running flow.
struct hold {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  gg::status pass(std::stop_token stop) {
    std::unique_lock lock(m);
    std::stop_callback wake(stop, [this] {
      std::lock_guard l(m);
      cv.notify_all();
    });
    cv.wait(lock, [&] { return open || stop.stop_requested(); });
    return {};
  }
  void release() {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
};

gg::flows::flow_definition noop_flow(std::string name, gg::flows::task_fn fn) {
  gg::flows::flow_definition f;
  f.name = std::move(name);
  f.retry.retries = 0;
  gg::flows::task_definition t;
  t.name = "step";
  t.fn = std::move(fn);
  f.tasks.push_back(std::move(t));
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  CLI::App app{"Flows engine benchmark"};
  app.add_option("--runs", cfg.runs, "samples per measurement");
  app.add_option("--history", cfg.history, "historic runs per flow for poll and prune");
  app.add_option("--batch", cfg.batch, "rows per retention statement");
  app.add_option("--work-dir", cfg.work_dir, "scratch directory (default: a new one in /tmp)");
  app.add_option("--conninfo", cfg.conninfo, "an existing, empty database (default: embedded)");
  app.add_option("--sql-dir", cfg.sql_dir, "sql/ of the source tree")->required();
  app.add_option("--pg-bin-dir", cfg.pg_bin_dir, "PostgreSQL binaries (initdb, postgres)");
  app.add_flag("--keep", cfg.keep, "keep the scratch directory");
  CLI11_PARSE(app, argc, argv);
  gg::log::set_level(gg::log::level::warn);
  if (cfg.runs < 1 || cfg.history < 0 || cfg.batch == 0)
    gg::bench::bench_die("runs and batch must be positive");

  auto db = gg::bench::bench_check(
      gg::bench::open_scratch_database("gg-bench-flows", cfg.work_dir, cfg.conninfo, cfg.pg_bin_dir,
                                       cfg.sql_dir),
      "scratch database");
  const std::string conninfo = db->conninfo;
  {
    gg::sched::scheduler sched{gg::sched::scheduler_options{1, 4}};
    gg::flows::engine_options o;
    o.conninfo = [conninfo] { return conninfo; };
    o.tick = std::chrono::milliseconds::zero();
    o.retention = std::chrono::hours(24);
    o.retention_batch = cfg.batch;
    gg::flows::engine e(o, sched);
    hold held;
    std::atomic<bool> holding{true};
    gg::bench::bench_check(
        e.add_flow(noop_flow("load", [](gg::flows::task_context&) { return gg::status{}; })),
        "add load");
    gg::bench::bench_check(e.add_flow(noop_flow("transform",
                                                [&](gg::flows::task_context& ctx) {
                                                  return holding ? held.pass(ctx.stop())
                                                                 : gg::status{};
                                                })),
                           "add transform");
    gg::bench::bench_check(
        e.add_flow(noop_flow("cleanup", [](gg::flows::task_context&) { return gg::status{}; })),
        "add cleanup");
    gg::bench::bench_check(
        e.add_flow(noop_flow("traffic", [](gg::flows::task_context&) { return gg::status{}; })),
        "add traffic");
    gg::bench::bench_check(e.start(), "start");

    auto& c = *db->conn;
    std::vector<double> run_ms;
    std::vector<double> floor_ms;
    // Interleaved, so both sides see the same table sizes and machine noise.
    for (int i = 0; i < cfg.runs; ++i) {
      auto t0 = clock_type::now();
      auto t =
          gg::bench::bench_check(e.trigger("load", gg::flows::trigger_kind::manual), "trigger");
      auto r = gg::bench::bench_check(e.wait(t.run_id, clock_type::now() + 30s), "wait");
      if (r.state != gg::flows::run_state::completed)
        gg::bench::bench_die("a no-op run did not complete");
      run_ms.push_back(ms_since(t0));
      t0 = clock_type::now();
      floor_run(c);
      floor_ms.push_back(ms_since(t0));
    }
    report("run", run_ms);
    report("run floor", floor_ms);
    report_ratio("run", run_ms, floor_ms);

    auto first =
        gg::bench::bench_check(e.trigger("transform", gg::flows::trigger_kind::manual), "trigger");
    std::vector<double> coalesce_ms;
    for (int i = 0; i < cfg.runs; ++i) {
      const auto t0 = clock_type::now();
      auto t =
          gg::bench::bench_check(e.trigger("transform", gg::flows::trigger_kind::event), "trigger");
      coalesce_ms.push_back(ms_since(t0));
      if (i > 0 && !t.coalesced) gg::bench::bench_die("a trigger during a run was not coalesced");
    }
    holding = false;
    held.release();
    gg::bench::bench_check(e.wait(first.run_id, clock_type::now() + 30s), "wait");
    report("coalesce", coalesce_ms);

    write_history(c, cfg.history);
    std::vector<double> poll_ms;
    std::vector<double> poll_floor_ms;
    for (int i = 0; i < cfg.runs; ++i) {
      auto t0 = clock_type::now();
      e.poll();
      poll_ms.push_back(ms_since(t0));
      t0 = clock_type::now();
      for (const char* flow : {"load", "transform", "cleanup", "traffic"}) {
        gg::bench::bench_check(
            c.exec("SELECT state, ended_at FROM pipeline.flow_runs WHERE flow = $1 "
                   "ORDER BY created_at DESC LIMIT 1",
                   flow),
            "floor poll");
      }
      poll_floor_ms.push_back(ms_since(t0));
    }
    report("poll", poll_ms);
    report("poll floor", poll_floor_ms);
    report_ratio("poll", poll_ms, poll_floor_ms);

    const auto t0 = clock_type::now();
    const auto deleted = gg::bench::bench_check(e.prune(), "prune");
    const double prune_ms = ms_since(t0);
    fmt::print("{:<14} {:>8} rows     total  {:>8.0f} ms  {:>8.0f} rows/s (batches of {})\n",
               "prune", deleted, prune_ms, deleted / (prune_ms / 1000.0), cfg.batch);
    write_history(c, cfg.history);
    const auto t1 = clock_type::now();
    auto one = gg::bench::bench_check(
        c.exec("DELETE FROM pipeline.flow_runs WHERE ended_at < now() - interval "
               "'1 day' AND state IN ('completed', 'failed', 'crashed', "
               "'cancelled', 'skipped')"),
        "floor prune");
    const double floor_prune_ms = ms_since(t1);
    fmt::print("{:<14} {:>8} rows     total  {:>8.0f} ms  {:>8.0f} rows/s (one statement)\n",
               "prune floor", one.affected_rows(), floor_prune_ms,
               one.affected_rows() / (floor_prune_ms / 1000.0));
    fmt::print("{:<14} engine / floor: {:.2f}x\n", "prune",
               floor_prune_ms > 0 ? prune_ms / floor_prune_ms : 0.0);
    e.request_stop();
    gg::bench::bench_check(e.drain(clock_type::now() + 30s), "drain");
  }
  gg::bench::bench_check(db->close(cfg.keep), "close");
  return 0;
}
