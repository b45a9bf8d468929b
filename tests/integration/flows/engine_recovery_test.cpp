#include <gadgetgrove/flows/engine.hpp>

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include "flow_harness.hpp"
#include "metric_sample.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace gg::test::flows;
using gg::flows::run_state;
using gg::flows::trigger_kind;

namespace {

gg::flows::task_definition ok_task(std::atomic<int>* calls = nullptr) {
  return task("step", [calls](gg::flows::task_context&) {
    if (calls) ++*calls;
    return gg::status{};
  });
}

/// Inserts a run as a process that died mid-run left it: running, its lease `lease_age` past.
std::string dead_run(harness& h, const std::string& flow, std::chrono::milliseconds lease_age) {
  const auto id = gg::uuid_v7().to_string();
  const auto now = h.clock.now();
  auto r = h.conn.exec(
      "INSERT INTO pipeline.flow_runs (id, flow, trigger, state, started_at, created_at, node, "
      "lease_until, heartbeat_at) VALUES ($1::uuid, $2, 'schedule', 'running', $3::timestamptz, "
      "$3::timestamptz, 'dead-node:4242', $4::timestamptz, $3::timestamptz)",
      id, flow, iso(now - 5min), iso(now - lease_age));
  REQUIRE(r);
  auto t = h.conn.exec(
      "INSERT INTO pipeline.task_runs (flow_run, task, position, state, started_at) VALUES "
      "($1::uuid, 'step', 0, 'running', $2::timestamptz)",
      id, iso(now - 5min));
  REQUIRE(t);
  return id;
}

}  // namespace

TEST_CASE("a run left running by a dead process is crashed at start and retried",
          "[integration][flows]") {
  harness h;
  const auto id = dead_run(h, "transform", 1min);
  std::atomic<int> calls{0};
  auto e = h.make();
  auto f = flow("transform", {ok_task(&calls)});
  f.retry.retries = 2;
  f.retry.delay = 10s;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());

  CHECK(h.state_of(id) == "crashed");
  CHECK(gg::test::metric_sample(
            h.metrics.expose(),
            R"(gadgetgrove_flow_runs_total{flow="transform",state="crashed"})") == 1);
  CHECK(h.value("SELECT error FROM pipeline.flow_runs WHERE id = '" + id + "'") ==
        "process dead-node:4242 stopped responding");
  CHECK(h.value("SELECT state FROM pipeline.task_runs WHERE flow_run = '" + id + "'") == "crashed");
  const auto retry = h.retry_of(id);
  REQUIRE_FALSE(retry.empty());
  CHECK(h.value("SELECT state || '|' || attempt FROM pipeline.flow_runs WHERE id = '" + retry +
                "'") == "scheduled|2");
  CHECK(h.value("SELECT scheduled_for = '" + iso(h.clock.now() + 10s) +
                "'::timestamptz FROM pipeline.flow_runs WHERE id = '" + retry + "'") == "t");

  h.clock.advance(10s);
  e->poll();
  auto done = e->wait(id, soon());
  REQUIRE(done);
  CHECK(done->id == retry);
  CHECK(done->state == run_state::completed);
  CHECK(calls == 1);
}

TEST_CASE("a live lease is respected until it expires, then the run is crashed by poll",
          "[integration][flows]") {
  harness h;
  // The holder's lease runs 20 more seconds: it may still be alive.
  const auto id = dead_run(h, "load", -20s);
  auto e = h.make();
  REQUIRE(e->add_flow(flow("load", {ok_task()})));
  REQUIRE(e->start());
  CHECK(h.state_of(id) == "running");
  h.clock.advance(20s);
  e->poll();
  CHECK(h.state_of(id) == "running");
  h.clock.advance(1ms);
  e->poll();
  CHECK(h.state_of(id) == "crashed");
  CHECK(h.retry_of(id).empty());  // this flow has no retries
}

TEST_CASE("a run of a gone process of this machine is crashed at once, a live one's is kept",
          "[integration][flows]") {
  harness h;
  // A child that has exited and been reaped: its pid names no process (until reused, which
  // would only keep the run until its lease expires).
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const std::string gone = std::string(host) + ":" + std::to_string(child);
  const std::string alive = std::string(host) + ":1";  // init: always there
  auto insert = [&](const std::string& node) {
    const auto id = gg::uuid_v7().to_string();
    auto r = h.conn.exec(
        "INSERT INTO pipeline.flow_runs (id, flow, trigger, state, started_at, node, "
        "lease_until, heartbeat_at) VALUES ($1::uuid, 'load', 'manual', 'running', "
        "$2::timestamptz, $3, $4::timestamptz, $2::timestamptz)",
        id, iso(h.clock.now()), node, iso(h.clock.now() + 30s));
    REQUIRE(r);
    return id;
  };
  const auto dead_id = insert(gone);
  const auto live_id = insert(alive);
  // The default process name "<host name>:<pid>" is what tells this machine's processes apart.
  auto o = h.options();
  o.node.clear();
  auto e = h.make(o);
  REQUIRE(e->add_flow(flow("load", {ok_task()})));
  REQUIRE(e->start());
  CHECK(h.state_of(dead_id) == "crashed");
  CHECK(h.value("SELECT error FROM pipeline.flow_runs WHERE id = '" + dead_id + "'") ==
        "process " + gone + " stopped responding");
  CHECK(h.state_of(live_id) == "running");
  h.clock.advance(30s + 1ms);
  e->poll();
  CHECK(h.state_of(live_id) == "crashed");
}

TEST_CASE(
    "with a --node-id name, a gone process of the same node id is crashed at once, another "
    "node's is kept until its lease expires",
    "[integration][flows]") {
  harness h;
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  auto insert = [&](const std::string& node) {
    const auto id = gg::uuid_v7().to_string();
    auto r = h.conn.exec(
        "INSERT INTO pipeline.flow_runs (id, flow, trigger, state, started_at, node, "
        "lease_until, heartbeat_at) VALUES ($1::uuid, 'load', 'manual', 'running', "
        "$2::timestamptz, $3, $4::timestamptz, $2::timestamptz)",
        id, iso(h.clock.now()), node, iso(h.clock.now() + 30s));
    REQUIRE(r);
    return id;
  };
  const auto mine = insert("loader-7:" + std::to_string(child));
  // The same pid on another node says nothing about that node's process.
  const auto theirs = insert("loader-8:" + std::to_string(child));
  auto o = h.options();
  o.node = gg::process_name("loader-7");
  auto e = h.make(o);
  REQUIRE(e->add_flow(flow("load", {ok_task()})));
  REQUIRE(e->start());
  CHECK(h.state_of(mine) == "crashed");
  CHECK(h.state_of(theirs) == "running");
  h.clock.advance(30s + 1ms);
  e->poll();
  CHECK(h.state_of(theirs) == "crashed");
  // This process's runs are recorded under "<node id>:<pid>".
  const auto run = e->trigger("load", trigger_kind::manual);
  REQUIRE(run);
  auto done = e->wait(run->run_id, soon());
  REQUIRE(done);
  CHECK(done->node == "loader-7:" + std::to_string(::getpid()));
}

TEST_CASE("two engines never both crash or retry the same dead run", "[integration][flows]") {
  harness h;
  const auto id = dead_run(h, "load", 1min);
  std::atomic<int> calls{0};
  auto a = h.make("node-a:1");
  auto b = h.make("node-b:1");
  for (auto* e : {a.get(), b.get()}) {
    auto f = flow("load", {ok_task(&calls)});
    f.retry.retries = 1;
    f.retry.delay = 1s;
    REQUIRE(e->add_flow(f));
  }
  std::thread ta([&] { REQUIRE(a->start()); });
  std::thread tb([&] { REQUIRE(b->start()); });
  ta.join();
  tb.join();
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE parent_run = '" + id + "'") == 1);
  h.clock.advance(1s);
  std::thread pa([&] { a->poll(); });
  std::thread pb([&] { b->poll(); });
  pa.join();
  pb.join();
  auto done = a->wait(id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::completed);
  CHECK(calls == 1);
}

TEST_CASE("running runs keep their lease while the clock moves", "[integration][flows]") {
  harness h;
  auto opts = h.options();
  opts.lease_ttl = 30s;
  opts.heartbeat = 10s;
  auto e = h.make(opts);
  gate g;
  REQUIRE(e->add_flow(flow("transform", {task("models", [&](gg::flows::task_context& ctx) {
                             return g.pass(ctx.stop());
                           })})));
  REQUIRE(e->start());
  auto t = e->trigger("transform", trigger_kind::manual);
  REQUIRE(t);
  REQUIRE(g.wait_arrived(1));
  for (int i = 0; i < 12; ++i) {  // two minutes, far beyond one lease
    h.clock.advance(10s);
    e->poll();
  }
  CHECK(h.state_of(t->run_id) == "running");
  CHECK(h.value("SELECT lease_until = '" + iso(h.clock.now() + 30s) +
                "'::timestamptz FROM pipeline.flow_runs WHERE id = '" + t->run_id + "'") == "t");
  // Another process sees the lease as live and leaves the run alone.
  auto other = h.make("node-b:1");
  REQUIRE(other->add_flow(flow("transform", {ok_task()})));
  REQUIRE(other->start());
  CHECK(h.state_of(t->run_id) == "running");
  // While it runs here, the other process's trigger waits as the pending run.
  auto queued = other->trigger("transform", trigger_kind::manual);
  REQUIRE(queued);
  CHECK(queued->state == run_state::pending);
  g.open();
  auto done = e->wait(queued->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::completed);
}

TEST_CASE("pending and due runs of a dead process are started by the next engine",
          "[integration][flows]") {
  harness h;
  const auto pending = gg::uuid_v7().to_string();
  const auto later = gg::uuid_v7().to_string();
  REQUIRE(
      h.conn.exec("INSERT INTO pipeline.flow_runs (id, flow, trigger, state, created_at, "
                  "node) VALUES ($1::uuid, 'load', 'event', 'pending', $2::timestamptz, "
                  "'dead-node:4242')",
                  pending, iso(h.clock.now() - 1min)));
  REQUIRE(
      h.conn.exec("INSERT INTO pipeline.flow_runs (id, flow, trigger, state, attempt, "
                  "scheduled_for, created_at, node) VALUES ($1::uuid, 'load', 'retry', "
                  "'scheduled', 2, $2::timestamptz, $3::timestamptz, 'dead-node:4242')",
                  later, iso(h.clock.now() + 30s), iso(h.clock.now() - 1min)));
  std::atomic<int> calls{0};
  auto e = h.make();
  REQUIRE(e->add_flow(flow("load", {ok_task(&calls)})));
  REQUIRE(e->start());
  CHECK(h.final_state(pending) == "completed");
  CHECK(h.state_of(later) == "scheduled");
  h.clock.advance(30s);
  e->poll();
  CHECK(h.final_state(later) == "completed");
  CHECK(calls == 2);
}

TEST_CASE("a fire time yields one run across two engines and a restart", "[integration][flows]") {
  harness h;
  h.clock.set(at("2026-12-04T12:00:59Z"));
  std::atomic<int> calls{0};
  const auto make_flow = [&] {
    auto f = flow("load", {ok_task(&calls)});
    f.when = gg::flows::schedule::every(60s);
    return f;
  };
  {
    auto a = h.make("node-a:1");
    auto b = h.make("node-b:1");
    REQUIRE(a->add_flow(make_flow()));
    REQUIRE(b->add_flow(make_flow()));
    std::thread ta([&] { REQUIRE(a->start()); });
    std::thread tb([&] { REQUIRE(b->start()); });
    ta.join();
    tb.join();
    // Both saw 12:00:00 as missed; one catch-up run was made.
    CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE scheduled_for = "
                  "'2026-12-04T12:00:00Z'") == 1);
    auto st = a->flow("load");
    REQUIRE(st);
    REQUIRE(st->next_fire);
    CHECK(iso(*st->next_fire) == "2026-12-04T12:01:00.000000Z");

    for (int round = 0; round < 3; ++round) {
      h.clock.advance(round == 0 ? 1s : 60s);
      std::thread pa([&] { a->poll(); });
      std::thread pb([&] { b->poll(); });
      pa.join();
      pb.join();
      // The next jump is longer than a lease: let this round's run end first, as a heartbeat
      // would keep it alive in real time.
      REQUIRE(eventually([&] {
        return h.count(
                   "SELECT count(*) FROM pipeline.flow_runs WHERE state IN ('running', "
                   "'pending')") == 0;
      }));
    }
    const bool all_done = eventually([&] {
      return h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state = 'completed'") == 4;
    });
    INFO(h.runs_table());
    REQUIRE(all_done);
    CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 4);
    CHECK(h.count("SELECT count(DISTINCT scheduled_for) FROM pipeline.flow_runs WHERE trigger "
                  "= 'schedule'") == 4);
  }
  // A restart within the same interval: the fire time 12:03 already has its run.
  h.clock.advance(30s);
  auto c = h.make("node-c:1");
  REQUIRE(c->add_flow(make_flow()));
  REQUIRE(c->start());
  c->poll();
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 4);
  h.clock.advance(30s);
  c->poll();
  REQUIRE(eventually([&] {
    return h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state = 'completed'") == 5;
  }));
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE scheduled_for = "
                "'2026-12-04T12:04:00Z'") == 1);
  CHECK(calls == 5);
}

TEST_CASE("a fire time while the flow runs becomes the pending run, or a skipped row",
          "[integration][flows]") {
  harness h;
  h.clock.set(at("2026-12-04T12:00:00.5Z"));
  gate g;
  std::atomic<int> calls{0};
  auto e = h.make();
  auto f = flow("transform", {task("models", [&](gg::flows::task_context& ctx) {
                  if (++calls == 1) return g.pass(ctx.stop());
                  return gg::status{};
                })});
  f.when = gg::flows::schedule::every(60s);
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());  // catches up on 12:00:00 and holds at the gate
  REQUIRE(g.wait_arrived(1));
  h.clock.set(at("2026-12-04T12:01:00Z"));
  e->poll();
  CHECK(h.value("SELECT state FROM pipeline.flow_runs WHERE scheduled_for = "
                "'2026-12-04T12:01:00Z'") == "pending");
  h.clock.set(at("2026-12-04T12:02:00Z"));
  e->poll();
  CHECK(h.value("SELECT state FROM pipeline.flow_runs WHERE scheduled_for = "
                "'2026-12-04T12:02:00Z'") == "skipped");
  CHECK(h.value("SELECT error LIKE 'coalesced into pending run %' FROM pipeline.flow_runs WHERE "
                "scheduled_for = '2026-12-04T12:02:00Z'") == "t");
  g.open();
  REQUIRE(eventually([&] {
    return h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state = 'completed'") == 2;
  }));
  CHECK(calls == 2);
}

TEST_CASE("a cron flow fires at its minutes in its zone", "[integration][flows]") {
  harness h;
  h.clock.set(at("2026-12-04T00:29:59Z"));
  auto expr = gg::sched::cron_expr::parse("30 2 * * *");
  REQUIRE(expr.has_value());
  auto zone = gg::sched::time_zone_spec::parse("+02:00");
  REQUIRE(zone.has_value());
  std::atomic<int> calls{0};
  auto e = h.make();
  auto f = flow("cleanup", {ok_task(&calls)});
  f.when = gg::flows::schedule::on_cron(*expr, *zone);
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  // The catch-up run is keyed by the last fire time: yesterday 02:30 at +02:00.
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE scheduled_for = "
                "'2026-12-03T00:30:00Z'") == 1);
  auto st = e->flow("cleanup");
  REQUIRE(st);
  CHECK(st->schedule == "cron 30 2 * * * +02:00");
  REQUIRE(st->next_fire);
  CHECK(iso(*st->next_fire) == "2026-12-04T00:30:00.000000Z");
  h.clock.advance(1s);
  e->poll();
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE scheduled_for = "
                "'2026-12-04T00:30:00Z'") == 1);
  REQUIRE(eventually([&] { return calls == 2; }));
  st = e->flow("cleanup");
  REQUIRE(st);
  REQUIRE(st->next_fire);
  CHECK(iso(*st->next_fire) == "2026-12-05T00:30:00.000000Z");
}

TEST_CASE("a disabled flow does not fire but runs by hand", "[integration][flows]") {
  harness h;
  std::atomic<int> calls{0};
  auto e = h.make();
  auto f = flow("traffic", {ok_task(&calls)});
  f.when = gg::flows::schedule::every(1s);
  f.enabled = false;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  h.clock.advance(10s);
  e->poll();
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 0);
  CHECK_FALSE(e->flow("traffic")->next_fire);
  auto t = e->trigger("traffic", trigger_kind::manual);
  REQUIRE(t);
  REQUIRE(e->wait(t->run_id, soon()));
  CHECK(calls == 1);
}

TEST_CASE("retention deletes old runs, their tasks and logs, and old artifacts in batches",
          "[integration][flows]") {
  harness h;
  auto opts = h.options();
  opts.retention = std::chrono::hours(24 * 30);
  opts.retention_batch = 2;
  auto e = h.make(opts);
  REQUIRE(e->add_flow(flow("load", {task("copy", [](gg::flows::task_context& ctx) {
                             ctx.log(gg::flows::log_level::info, "copied");
                             gg::flows::artifact a;
                             a.key = "ingestion-summary";
                             a.title = "Ingestion Summary";
                             a.body = "ok";
                             return ctx.add_artifact(a);
                           })})));
  REQUIRE(e->start());
  const auto run = [&] {
    auto t = e->trigger("load", trigger_kind::manual);
    REQUIRE(t);
    REQUIRE(e->wait(t->run_id, soon()));
  };
  for (int i = 0; i < 5; ++i) run();
  h.clock.advance(std::chrono::hours(24 * 30) + 1s);
  for (int i = 0; i < 2; ++i) run();
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 7);
  auto deleted = e->prune();
  REQUIRE(deleted);
  CHECK(*deleted == 10);  // 5 runs + 5 artifacts
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 2);
  CHECK(h.count("SELECT count(*) FROM pipeline.artifacts") == 2);
  CHECK(h.count("SELECT count(*) FROM pipeline.task_runs") == 2);
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE message = 'copied'") == 2);
  CHECK(*e->prune() == 0);
}

TEST_CASE("a late or repeatedly failing flow is stale, with a reason and a gauge",
          "[integration][flows]") {
  harness h;
  std::atomic<bool> fail{false};
  auto e = h.make();
  auto f = flow("stale-check", {task("step", [&](gg::flows::task_context&) {
                  return fail ? gg::fail(gg::errc::database, "boom") : gg::status{};
                })});
  f.max_staleness = 5min;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  auto t = e->trigger("stale-check", trigger_kind::manual);
  REQUIRE(t);
  const auto first = e->wait(t->run_id, soon());
  REQUIRE(first);
  REQUIRE(first->ended_at);
  h.clock.advance(4min);
  e->poll();
  CHECK(e->stale_flows().empty());
  CHECK_FALSE(e->flow("stale-check")->stale);
  CHECK(gg::test::metric_sample(h.metrics.expose(),
                                R"(gadgetgrove_flow_stale{flow="stale-check"})") == 0);

  h.clock.advance(2min + 12s);
  e->poll();
  auto st = e->flow("stale-check");
  REQUIRE(st);
  CHECK(st->stale);
  CHECK(st->stale_reason == "no completed run for 6m12s (limit 5m)");
  CHECK(e->stale_flows() == std::vector<std::string>{"stale-check"});
  // Counted in the registry the engine was given, not the process-wide one.
  const auto text = h.metrics.expose();
  using gg::test::metric_sample;
  CHECK(metric_sample(text, R"(gadgetgrove_flow_stale{flow="stale-check"})") == 1);
  CHECK(metric_sample(text,
                      R"(gadgetgrove_flow_last_success_timestamp_seconds{flow="stale-check"})") ==
        Approx(std::chrono::duration<double>(first->ended_at->time_since_epoch()).count()));
  CHECK(metric_sample(text,
                      R"(gadgetgrove_flow_runs_total{flow="stale-check",state="completed"})") == 1);
  // Every final state's series is registered with the flow, so it is exposed before its first
  // run of that outcome.
  CHECK(metric_sample(text, R"(gadgetgrove_flow_runs_total{flow="stale-check",state="failed"})") ==
        0);
  CHECK(gg::metrics::global().expose().find(R"(flow="stale-check")") == std::string::npos);

  t = e->trigger("stale-check", trigger_kind::manual);
  REQUIRE(t);
  REQUIRE(e->wait(t->run_id, soon()));
  e->poll();
  CHECK_FALSE(e->flow("stale-check")->stale);

  fail = true;
  for (int i = 0; i < 3; ++i) {
    t = e->trigger("stale-check", trigger_kind::manual);
    REQUIRE(t);
    REQUIRE(e->wait(t->run_id, soon()));
    e->poll();
    CHECK(e->flow("stale-check")->stale == (i == 2));
  }
  st = e->flow("stale-check");
  CHECK(st->consecutive_failures == 3);
  CHECK(st->stale_reason == "failed 3 times in a row: task \"step\" failed: boom");
}

TEST_CASE("stopping cancels running runs and leaves scheduled retries for the next start",
          "[integration][flows]") {
  harness h;
  gate g;
  std::string retry;
  {
    auto e = h.make();
    auto failing = flow("load", {task("copy", [](gg::flows::task_context&) {
                          return gg::fail(gg::errc::unavailable, "down");
                        })});
    failing.retry.retries = 1;
    failing.retry.delay = 1min;
    REQUIRE(e->add_flow(failing));
    REQUIRE(e->add_flow(flow("transform", {task("models", [&](gg::flows::task_context& ctx) {
                               return g.pass(ctx.stop());
                             })})));
    REQUIRE(e->start());
    auto a = e->trigger("load", trigger_kind::manual);
    REQUIRE(a);
    CHECK(h.final_state(a->run_id) == "failed");
    retry = h.retry_of(a->run_id);
    REQUIRE_FALSE(retry.empty());
    auto b = e->trigger("transform", trigger_kind::manual);
    REQUIRE(b);
    REQUIRE(g.wait_arrived(1));
    e->request_stop();
    REQUIRE(e->drain(soon()));
    CHECK(h.state_of(b->run_id) == "cancelled");
    CHECK(h.value("SELECT error FROM pipeline.flow_runs WHERE id = '" + b->run_id + "'") ==
          "cancelled: the process is stopping");
    CHECK(h.state_of(retry) == "scheduled");
  }
  std::atomic<int> calls{0};
  auto e = h.make("test-node:2");
  auto f = flow("load", {ok_task(&calls)});
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  CHECK(h.state_of(retry) == "scheduled");
  h.clock.advance(1min);
  e->poll();
  CHECK(h.final_state(retry) == "completed");
  CHECK(calls == 1);
}

TEST_CASE("a cron flow in a named zone fires once per wall time across the autumn change",
          "[integration][flows]") {
  harness h;
  h.clock.set(at("2026-10-24T12:00:00Z"));
  auto expr = gg::sched::cron_expr::parse("30 2 * * *");
  REQUIRE(expr.has_value());
  auto berlin = gg::sched::time_zone_spec::named("Europe/Berlin");
  REQUIRE(berlin.has_value());
  std::atomic<int> calls{0};
  auto e = h.make();
  auto f = flow("cleanup", {ok_task(&calls)});
  f.when = gg::flows::schedule::on_cron(*expr, *berlin);
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  // Poll every 15 minutes through the night the clocks go back (02:30 happens twice).
  for (auto t = at("2026-10-24T12:15:00Z"); t <= at("2026-10-26T12:00:00Z"); t += 15min) {
    h.clock.set(t);
    e->poll();
    REQUIRE(eventually([&] {
      return h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state <> 'completed'") == 0;
    }));
  }
  CHECK(h.value("SELECT string_agg(to_char(scheduled_for AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI'), ',' ORDER BY scheduled_for) FROM pipeline.flow_runs") ==
        "2026-10-24 00:30,2026-10-25 00:30,2026-10-26 01:30");
  CHECK(calls == 3);
}
