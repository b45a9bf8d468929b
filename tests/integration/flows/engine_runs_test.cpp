#include <gadgetgrove/flows/engine.hpp>

#include <gadgetgrove/core/uuid.hpp>

#include "flow_harness.hpp"

#include <atomic>
#include <string>
#include <vector>

using namespace gg::test::flows;
using gg::flows::run_state;
using gg::flows::trigger_kind;

TEST_CASE("a run records its row, task runs, log lines and artifacts", "[integration][flows]") {
  harness h;
  auto e = h.make();
  auto f =
      flow("load", {task("read",
                         [](gg::flows::task_context& ctx) -> gg::status {
                           ctx.log(gg::flows::log_level::info, "read 3 segments");
                           gg::flows::artifact a;
                           a.key = "ingestion-summary";
                           a.title = "Ingestion Summary";
                           a.body = "| rows |\n|---|\n| 42 |";
                           a.data = R"({"rows":42})";
                           return ctx.add_artifact(a);
                         }),
                    task("report", [](gg::flows::task_context& ctx) -> gg::status {
                      ctx.log(gg::flows::log_level::warn, "params: " + ctx.params().at("select"));
                      return {};
                    })});
  f.description = "loads segments";
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());

  std::vector<std::string> streamed;
  auto t = e->trigger("load", trigger_kind::manual, {{"select", "m+"}});
  REQUIRE(t);
  CHECK(t->state == run_state::running);
  CHECK_FALSE(t->coalesced);
  auto done = e->wait(t->run_id, soon(),
                      [&](gg::flows::log_level, std::string_view task, std::string_view msg) {
                        streamed.push_back(std::string(task) + ": " + std::string(msg));
                      });
  REQUIRE(done);
  CHECK(done->id == t->run_id);
  CHECK(done->state == run_state::completed);
  CHECK(done->trigger == trigger_kind::manual);
  CHECK(done->attempt == 1);
  CHECK(done->params.at("select") == "m+");
  CHECK(done->node == "test-node:1");
  REQUIRE(done->started_at);
  REQUIRE(done->ended_at);
  CHECK(done->error.empty());

  const auto id = t->run_id;
  CHECK(gg::parse_uuid(id)->version() == 7);
  CHECK(h.count("SELECT count(*) FROM pipeline.task_runs WHERE flow_run = '" + id +
                "' AND state = 'completed'") == 2);
  CHECK(h.value("SELECT string_agg(task, ',' ORDER BY position) FROM pipeline.task_runs WHERE "
                "flow_run = '" +
                id + "'") == "read,report");
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE flow_run = '" + id +
                "' AND task = 'read' AND level = 'info' AND message = 'read 3 segments'") == 1);
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE flow_run = '" + id +
                "' AND task = 'report' AND level = 'warn' AND message = 'params: m+'") == 1);
  CHECK(h.value("SELECT parameters->>'select' FROM pipeline.flow_runs WHERE id = '" + id + "'") ==
        "m+");
  CHECK(h.value("SELECT flow || '|' || task || '|' || kind || '|' || key || '|' || title || '|' "
                "|| (data->>'rows') FROM pipeline.artifacts WHERE run_id = '" +
                id + "'") == "load|read|markdown|ingestion-summary|Ingestion Summary|42");
  CHECK(std::find(streamed.begin(), streamed.end(), "read: read 3 segments") != streamed.end());
  CHECK(std::find(streamed.begin(), streamed.end(), "report: params: m+") != streamed.end());

  e->poll();
  auto st = e->flow("load");
  REQUIRE(st);
  CHECK(st->description == "loads segments");
  CHECK(st->schedule == "manual");
  CHECK_FALSE(st->running);
  REQUIRE(st->last_run);
  CHECK(st->last_run->id == id);
  CHECK(st->last_success == done->ended_at);
  CHECK(e->flows().size() == 1);
}

TEST_CASE("a failed task skips the rest and fails the run with its error", "[integration][flows]") {
  harness h;
  auto e = h.make();
  std::atomic<int> third{0};
  REQUIRE(e->add_flow(flow(
      "transform", {task("staging", [](gg::flows::task_context&) -> gg::status { return {}; }),
                    task("marts",
                         [](gg::flows::task_context&) -> gg::status {
                           return gg::fail(gg::errc::database, "relation \"x\" does not exist");
                         }),
                    task("tests", [&](gg::flows::task_context&) -> gg::status {
                      ++third;
                      return {};
                    })})));
  REQUIRE(e->start());
  auto t = e->trigger("transform", trigger_kind::manual);
  REQUIRE(t);
  auto done = e->wait(t->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::failed);
  CHECK(done->error == "task \"marts\" failed: relation \"x\" does not exist");
  CHECK(third == 0);
  CHECK(h.value("SELECT string_agg(task || ':' || state, ',' ORDER BY position) FROM "
                "pipeline.task_runs WHERE flow_run = '" +
                t->run_id + "'") == "staging:completed,marts:failed");
  CHECK(h.retry_of(t->run_id).empty());
}

TEST_CASE("an exception in a task fails it like an error", "[integration][flows]") {
  harness h;
  auto e = h.make();
  REQUIRE(e->add_flow(flow("cleanup", {task("archive", [](gg::flows::task_context&) -> gg::status {
                             throw std::runtime_error("disk on fire");
                           })})));
  REQUIRE(e->start());
  auto t = e->trigger("cleanup", trigger_kind::manual);
  REQUIRE(t);
  auto done = e->wait(t->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::failed);
  CHECK(done->error == "task \"archive\" failed: task threw: disk on fire");
}

TEST_CASE("a failed run is retried exactly after its delay", "[integration][flows]") {
  harness h;
  auto e = h.make();
  std::atomic<int> calls{0};
  auto f = flow("load", {task("copy", [&](gg::flows::task_context& ctx) -> gg::status {
                  if (++calls == 1) return gg::fail(gg::errc::unavailable, "server closed");
                  ctx.log(gg::flows::log_level::info, "attempt " + std::to_string(ctx.attempt()));
                  return {};
                })});
  f.retry.retries = 2;
  f.retry.delay = 10s;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  const auto t0 = h.clock.now();
  auto t = e->trigger("load", trigger_kind::event);
  REQUIRE(t);
  CHECK(h.final_state(t->run_id) == "failed");
  const auto retry = h.retry_of(t->run_id);
  REQUIRE_FALSE(retry.empty());
  CHECK(h.value("SELECT trigger || '|' || state || '|' || attempt FROM pipeline.flow_runs WHERE "
                "id = '" +
                retry + "'") == "retry|scheduled|2");
  CHECK(h.value("SELECT scheduled_for = '" + iso(t0 + 10s) +
                "'::timestamptz FROM pipeline.flow_runs WHERE id = '" + retry + "'") == "t");

  h.clock.advance(10s - 1ms);
  e->poll();
  CHECK(h.state_of(retry) == "scheduled");
  CHECK(calls == 1);

  h.clock.advance(1ms);
  e->poll();
  auto done = e->wait(t->run_id, soon());  // follows the retry chain
  REQUIRE(done);
  CHECK(done->id == retry);
  CHECK(done->state == run_state::completed);
  CHECK(done->attempt == 2);
  CHECK(done->trigger == trigger_kind::retry);
  CHECK(done->parent_run == t->run_id);
  CHECK(calls == 2);
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE flow_run = '" + retry +
                "' AND message = 'attempt 2'") == 1);
}

TEST_CASE("exponential backoff doubles the wait until the retries run out",
          "[integration][flows]") {
  harness h;
  auto e = h.make();
  std::atomic<int> calls{0};
  auto f = flow("transform", {task("run", [&](gg::flows::task_context&) -> gg::status {
                  ++calls;
                  return gg::fail(gg::errc::database, "boom");
                })});
  f.retry.retries = 3;
  f.retry.delay = 1s;
  f.retry.exponential = true;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  auto t = e->trigger("transform", trigger_kind::manual);
  REQUIRE(t);
  std::string run = t->run_id;
  const std::vector<std::chrono::milliseconds> waits = {1s, 2s, 4s};
  for (auto wait : waits) {
    CHECK(h.final_state(run) == "failed");
    const auto retry = h.retry_of(run);
    REQUIRE_FALSE(retry.empty());
    CHECK(h.ms_between("SELECT ended_at FROM pipeline.flow_runs WHERE id = '" + run + "'",
                       "SELECT scheduled_for FROM pipeline.flow_runs WHERE id = '" + retry + "'") ==
          wait.count());
    h.clock.advance(wait - 1ms);
    e->poll();
    CHECK(h.state_of(retry) == "scheduled");
    h.clock.advance(1ms);
    e->poll();
    run = retry;
  }
  auto done = e->wait(t->run_id, soon());
  REQUIRE(done);
  CHECK(done->id == run);
  CHECK(done->state == run_state::failed);
  CHECK(done->attempt == 4);
  CHECK(h.retry_of(run).empty());
  CHECK(calls == 4);
}

TEST_CASE("a task's own retries happen inside the run after their delay", "[integration][flows]") {
  harness h;
  auto e = h.make();
  std::atomic<int> calls{0};
  auto t1 = task("copy", [&](gg::flows::task_context&) -> gg::status {
    if (++calls < 3) return gg::fail(gg::errc::unavailable, "try again");
    return {};
  });
  gg::flows::retry_policy p;
  p.retries = 2;
  p.delay = 5s;
  t1.retry = p;
  REQUIRE(e->add_flow(flow("load", {t1})));
  REQUIRE(e->start());
  auto t = e->trigger("load", trigger_kind::manual);
  REQUIRE(t);
  REQUIRE(eventually([&] { return calls >= 1; }));
  REQUIRE(eventually([&] {
    return h.count("SELECT count(*) FROM pipeline.task_runs WHERE state = 'failed'") == 1;
  }));
  h.clock.advance(5s - 1ms);
  e->poll();
  std::this_thread::sleep_for(50ms);  // time for a wrong early retry to show
  CHECK(calls == 1);
  h.clock.advance(1ms);
  e->poll();
  REQUIRE(eventually([&] { return calls >= 2; }));
  REQUIRE(eventually([&] {
    return h.count("SELECT count(*) FROM pipeline.task_runs WHERE state = 'failed'") == 2;
  }));
  h.clock.advance(5s);
  e->poll();
  auto done = e->wait(t->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::completed);
  CHECK(done->attempt == 1);
  CHECK(h.value("SELECT string_agg(attempt || ':' || state, ',' ORDER BY attempt) FROM "
                "pipeline.task_runs WHERE flow_run = '" +
                t->run_id + "'") == "1:failed,2:failed,3:completed");
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE flow_run = '" + t->run_id +
                "' AND level = 'warn' AND message LIKE 'attempt 1 failed, retrying in 5s%'") == 1);
}

TEST_CASE("a run past its timeout is stopped through its token, failed and retried",
          "[integration][flows]") {
  harness h;
  auto e = h.make();
  gate g;
  std::atomic<int> calls{0};
  auto f = flow("transform", {task("models", [&](gg::flows::task_context& ctx) -> gg::status {
                  if (++calls == 1) return g.pass(ctx.stop());
                  return {};
                })});
  f.timeout = 1min;
  f.retry.retries = 1;
  f.retry.delay = 2s;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  auto t = e->trigger("transform", trigger_kind::schedule);
  REQUIRE(t);
  REQUIRE(g.wait_arrived(1));
  h.clock.advance(1min - 1ms);
  e->poll();
  std::this_thread::sleep_for(50ms);
  CHECK(h.state_of(t->run_id) == "running");
  h.clock.advance(1ms);
  e->poll();
  CHECK(h.final_state(t->run_id) == "failed");
  CHECK(h.value("SELECT error FROM pipeline.flow_runs WHERE id = '" + t->run_id + "'") ==
        "timed out after 1m");
  CHECK(h.value("SELECT state FROM pipeline.task_runs WHERE flow_run = '" + t->run_id + "'") ==
        "cancelled");
  const auto retry = h.retry_of(t->run_id);
  REQUIRE_FALSE(retry.empty());
  h.clock.advance(2s);
  e->poll();
  auto done = e->wait(t->run_id, soon());
  REQUIRE(done);
  CHECK(done->id == retry);
  CHECK(done->state == run_state::completed);
}

TEST_CASE("a trigger during a run becomes one pending run and later ones fold into it",
          "[integration][flows]") {
  harness h;
  auto e = h.make();
  gate first;
  std::atomic<int> calls{0};
  std::vector<std::string> seen_params;
  std::mutex params_mutex;
  REQUIRE(e->add_flow(flow("transform", {task("models", [&](gg::flows::task_context& ctx) {
                             {
                               std::lock_guard lock(params_mutex);
                               seen_params.push_back(
                                   ctx.params().count("select") ? ctx.params().at("select") : "");
                             }
                             if (++calls == 1) return first.pass(ctx.stop());
                             return gg::status{};
                           })})));
  REQUIRE(e->start());
  auto a = e->trigger("transform", trigger_kind::manual);
  REQUIRE(a);
  CHECK(a->state == run_state::running);
  REQUIRE(first.wait_arrived(1));

  auto b = e->trigger("transform", trigger_kind::event);
  REQUIRE(b);
  CHECK(b->state == run_state::pending);
  CHECK_FALSE(b->coalesced);
  CHECK(h.state_of(b->run_id) == "pending");
  CHECK(h.value("SELECT trigger FROM pipeline.flow_runs WHERE id = '" + b->run_id + "'") ==
        "event");

  for (int i = 0; i < 3; ++i) {
    auto c = e->trigger("transform", trigger_kind::event, {{"select", "sessions+"}});
    REQUIRE(c);
    CHECK(c->coalesced);
    CHECK(c->run_id == b->run_id);
    CHECK(c->state == run_state::pending);
  }
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state = 'pending'") == 1);
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs") == 2);
  CHECK(h.count("SELECT count(*) FROM pipeline.run_logs WHERE flow_run = '" + b->run_id +
                "' AND message = 'a event trigger was coalesced into this run'") == 3);
  e->poll();
  auto st = e->flow("transform");
  REQUIRE(st);
  CHECK(st->running);
  CHECK(st->pending);

  first.open();
  auto done = e->wait(b->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::completed);
  CHECK(h.state_of(a->run_id) == "completed");
  CHECK(calls == 2);
  // The pending run had no parameters, so the first coalesced trigger's were kept.
  std::lock_guard lock(params_mutex);
  CHECK(seen_params == std::vector<std::string>{"", "sessions+"});
  // The pending run started only after the first ended.
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs a, pipeline.flow_runs b WHERE a.id = '" +
                a->run_id + "' AND b.id = '" + b->run_id + "' AND b.started_at >= a.ended_at") ==
        1);
}

TEST_CASE("cancel stops a running run without retrying it and drops a pending one",
          "[integration][flows]") {
  harness h;
  auto e = h.make();
  gate g;
  auto f =
      flow("load", {task("copy", [&](gg::flows::task_context& ctx) { return g.pass(ctx.stop()); }),
                    task("after", [](gg::flows::task_context&) { return gg::status{}; })});
  f.retry.retries = 3;
  REQUIRE(e->add_flow(f));
  REQUIRE(e->start());
  auto a = e->trigger("load", trigger_kind::manual);
  REQUIRE(a);
  REQUIRE(g.wait_arrived(1));
  auto b = e->trigger("load", trigger_kind::manual);
  REQUIRE(b);
  REQUIRE(b->state == run_state::pending);

  REQUIRE(e->cancel(b->run_id));
  CHECK(h.state_of(b->run_id) == "cancelled");
  REQUIRE(e->cancel(a->run_id));
  auto done = e->wait(a->run_id, soon());
  REQUIRE(done);
  CHECK(done->state == run_state::cancelled);
  CHECK(h.retry_of(a->run_id).empty());
  CHECK(h.value("SELECT string_agg(task || ':' || state, ',') FROM pipeline.task_runs WHERE "
                "flow_run = '" +
                a->run_id + "'") == "copy:cancelled");
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE state IN ('running', 'pending', "
                "'scheduled')") == 0);

  auto again = e->cancel(a->run_id);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == gg::errc::conflict);
  auto unknown = e->cancel("0190b4a0-0000-7000-8000-000000000000");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == gg::errc::not_found);
  CHECK(e->cancel("not-a-uuid").error().code == gg::errc::not_found);
}

TEST_CASE("flows are validated when added and unknown ones cannot be triggered",
          "[integration][flows]") {
  harness h;
  auto e = h.make();
  auto ok = [](gg::flows::task_context&) { return gg::status{}; };
  CHECK(e->add_flow(flow("Load", {task("a", ok)})).error().code == gg::errc::invalid_input);
  CHECK(e->add_flow(flow("load", {})).error().code == gg::errc::invalid_input);
  CHECK(e->add_flow(flow("load", {task("a", ok), task("a", ok)})).error().code ==
        gg::errc::invalid_input);
  REQUIRE(e->add_flow(flow("load", {task("a", ok)})));
  CHECK(e->add_flow(flow("load", {task("a", ok)})).error().code == gg::errc::conflict);
  auto early = e->trigger("load", trigger_kind::manual);
  REQUIRE_FALSE(early);
  CHECK(early.error().code == gg::errc::unavailable);
  REQUIRE(e->start());
  CHECK(e->trigger("nope", trigger_kind::manual).error().code == gg::errc::not_found);
  e->request_stop();
  CHECK(e->trigger("load", trigger_kind::manual).error().code == gg::errc::unavailable);
  REQUIRE(e->drain(soon()));
  CHECK(e->health().state == gg::health_state::stopped);
}

TEST_CASE("with the real clock and a tick, an interval flow fires on its own",
          "[integration][flows]") {
  harness h;
  auto opts = h.options();
  opts.now = [] { return std::chrono::system_clock::now(); };
  opts.tick = 10ms;
  std::atomic<int> calls{0};
  auto e = h.make(opts);
  auto f = flow("load", {task("copy", [&](gg::flows::task_context&) {
                  ++calls;
                  return gg::status{};
                })});
  f.when = gg::flows::schedule::every(100ms);
  REQUIRE(e->add_flow(f));
  h.sched.run();  // the tick is a scheduler job
  REQUIRE(e->start());
  CHECK(eventually([&] { return calls >= 3; }));
  e->request_stop();
  REQUIRE(e->drain(soon()));
  const auto made = h.count("SELECT count(*) FROM pipeline.flow_runs");
  CHECK(made >= 3);
  // One row per fire time, each on a multiple of the interval.
  CHECK(h.count("SELECT count(DISTINCT scheduled_for) FROM pipeline.flow_runs") == made);
  CHECK(h.count("SELECT count(*) FROM pipeline.flow_runs WHERE (extract(epoch FROM "
                "scheduled_for) * 1000)::bigint % 100 <> 0") == 0);
}
