#include "pipeline_flows.hpp"

#include "flow_policy.hpp"
#include "flow_schedule.hpp"
#include "report_table.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/loader/report.hpp>
#include <gadgetgrove/transform/runner.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <mutex>

namespace gg::app {
namespace {

using namespace std::chrono_literals;
using flows::log_level;
using flows::task_context;

const gg::logger log{"flows"};

// A flow is stale when it has not completed for three of its periods, and never sooner than
// five minutes (a slow run of a one-minute flow is not yet news).
std::chrono::milliseconds staleness_for(const flows::schedule& when) {
  if (when.empty()) return 0ms;
  std::chrono::milliseconds period{0};
  if (when.interval) {
    period = *when.interval;
  } else if (auto a = when.next_after(std::chrono::system_clock::now())) {
    if (auto b = when.next_after(*a)) {
      period = std::chrono::duration_cast<std::chrono::milliseconds>(*b - *a);
    }
  }
  if (period <= 0ms) return 0ms;
  return std::max<std::chrono::milliseconds>(3 * period, 5min);
}

gg::result<bool> bool_param(const flows::parameters& p, std::string_view key) {
  auto it = p.find(key);
  if (it == p.end()) return false;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return gg::fail(errc::invalid_input,
                  fmt::format("parameter {}: '{}' is neither true nor false", key, it->second));
}

std::string param(const flows::parameters& p, std::string_view key) {
  auto it = p.find(key);
  return it == p.end() ? std::string{} : it->second;
}

flows::artifact from_loader(const loader::artifact& a) {
  return flows::artifact{a.kind, a.key, a.title, a.body, a.data};
}

loader::loader* running_loader(const pipeline_parts& parts) {
  return parts.loader ? parts.loader() : nullptr;
}

gg::error loader_missing() {
  return gg::fail(errc::unavailable, "the loader is not running", true);
}

// ---- load ----------------------------------------------------------------------------------

gg::status replay_task(task_context& ctx, loader::loader& l) {
  auto r = l.replay_rejects(ctx.stop());
  if (!r) return r.error();
  ctx.log(log_level::info, fmt::format("replayed {} rejected record(s): {} loaded, {} still "
                                       "rejected",
                                       r->examined, r->loaded, r->still_rejected));
  report_table t({"queue", "loaded"});
  for (const auto& [queue, n] : r->loaded_per_queue) t.add_row({queue, n});
  flows::artifact a;
  a.kind = "markdown";
  a.key = "replay-report";
  a.title = "Rejected Records Replay";
  a.body =
      fmt::format("**{}** rejected record(s) examined: **{}** loaded, **{}** still rejected.\n\n{}",
                  r->examined, r->loaded, r->still_rejected,
                  t.empty() ? std::string("Nothing was loaded.\n") : t.markdown());
  a.data = fmt::format(R"({{"examined":{},"loaded":{},"still_rejected":{},"per_queue":{}}})",
                       r->examined, r->loaded, r->still_rejected, t.json());
  return ctx.add_artifact(std::move(a));
}

gg::status load_task(task_context& ctx, const pipeline_parts& parts) {
  if (auto st = check_parameters("load", ctx.params()); !st) return st;
  auto* l = running_loader(parts);
  if (l == nullptr) return loader_missing();
  auto replay = bool_param(ctx.params(), "replay_rejects");
  if (*replay) return replay_task(ctx, *l);
  auto r = l->load_once(ctx.stop());
  if (!r) return r.error();
  ctx.log(log_level::info, fmt::format("loaded {} segment(s), {} row(s), {} rejected in {:.3f} s",
                                       r->segments(), r->rows(), r->rejected(), r->seconds));
  if (r->cancelled) return gg::fail(errc::cancelled, "the load run was stopped");
  if (r->failed > 0) {
    // The segments stay in log/ and load on a later run; the run fails so that its retry
    // comes sooner than the next fire time.
    return gg::fail(errc::database,
                    fmt::format("{} segment(s) failed to load: {}", r->failed,
                                r->first_error ? r->first_error->message : "see the log"),
                    true);
  }
  return {};
}

// Loader runs taken from the loader but not yet stored in an ingestion summary (the database
// refused the artifact): the next summary includes them.
struct unsent_summary {
  std::mutex mutex;
  std::optional<loader::load_summary> runs;
};

gg::status ingestion_summary_task(task_context& ctx, const pipeline_parts& parts,
                                  unsent_summary& unsent) {
  if (*bool_param(ctx.params(), "replay_rejects")) {
    ctx.log(log_level::info, "a replay run; the ingestion summary waits for the next load run");
    return {};
  }
  auto* l = running_loader(parts);
  if (l == nullptr) return loader_missing();
  // Every run since the last summary: the continuous loader's micro-batches and this run's
  // load (load_once() adds itself to the interval).
  std::lock_guard lock(unsent.mutex);
  auto summary = l->take_interval_summary();
  if (unsent.runs) {
    unsent.runs->merge(summary);
    summary = std::move(*unsent.runs);
    unsent.runs.reset();
  }
  if (auto st = ctx.add_artifact(from_loader(loader::ingestion_artifact(summary))); !st) {
    unsent.runs = std::move(summary);
    return st;
  }
  ctx.log(log_level::info, fmt::format("ingestion summary: {} row(s), {} rejected, {} segment(s)",
                                       summary.rows(), summary.rejected(), summary.segments()));
  return {};
}

// ---- transform -----------------------------------------------------------------------------

std::string node_list(const transform::run_summary& r, std::size_t most) {
  std::vector<std::string> names;
  for (const auto& n : r.results) {
    if (n.status == transform::node_status::error || n.status == transform::node_status::fail) {
      names.push_back(fmt::format("{} ({})", n.name, transform::to_string(n.status)));
    }
  }
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < most; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > most) out += fmt::format(" and {} more", names.size() - most);
  return out;
}

gg::status store_results(task_context& ctx, const transform::run_summary& r) {
  report_table models({"node", "status", "rows", "seconds"});
  report_table tests({"test", "status", "failures", "seconds", "message"});
  for (const auto& n : r.results) {
    const double seconds = static_cast<double>(n.duration.count()) / 1e6;
    if (n.resource_type == "model") {
      models.add_row(
          {n.name, std::string(transform::to_string(n.status)),
           n.rows_affected ? report_table::cell(*n.rows_affected) : report_table::cell(""),
           report_table::cell(seconds, 3)});
    } else if (n.resource_type == "test") {
      tests.add_row({n.name, std::string(transform::to_string(n.status)),
                     n.failures ? report_table::cell(*n.failures) : report_table::cell(""),
                     report_table::cell(seconds, 3), n.message});
    }
  }
  const std::string totals =
      fmt::format("run {} ({}): {} ok, {} error, {} skipped, {} pass, {} warn, {} fail in {:.2f} s",
                  r.run_id.to_string(), transform::to_string(r.command),
                  r.count(transform::node_status::success), r.count(transform::node_status::error),
                  r.count(transform::node_status::skipped), r.count(transform::node_status::pass),
                  r.count(transform::node_status::warn), r.count(transform::node_status::fail),
                  static_cast<double>(r.elapsed.count()) / 1e6);
  flows::artifact m;
  m.kind = "table";
  m.key = "model-results";
  m.title = "Model Results";
  m.body = totals + "\n\n" + (models.empty() ? std::string("No model ran.\n") : models.markdown());
  m.data = models.json();
  if (auto st = ctx.add_artifact(std::move(m)); !st) return st;
  if (tests.empty()) return {};
  flows::artifact t;
  t.kind = "table";
  t.key = "test-results";
  t.title = "Test Results";
  t.body = tests.markdown();
  t.data = tests.json();
  return ctx.add_artifact(std::move(t));
}

gg::status transform_task(task_context& ctx, const pipeline_parts& parts, unsigned threads,
                          const std::string& vars) {
  const auto& p = ctx.params();
  if (auto st = check_parameters("transform", p); !st) return st;
  auto& stage = *parts.transformer;
  if (!std::filesystem::exists(stage.project_dir() / "dbt_project.yml")) {
    return gg::fail(errc::config, fmt::format("no transformation project: {} has no "
                                              "dbt_project.yml",
                                              stage.project_dir().string()));
  }
  transform::run_options o;
  const bool event = ctx.trigger() == flows::trigger_kind::event;
  // An event run refreshes the models (fast, for freshness); scheduled and manual runs build
  // models and their tests, so the safety net also reports the data tests.
  const std::string command = param(p, "command");
  o.command = command == "run"     ? transform::run_command::run
              : command == "build" ? transform::run_command::build
              : event              ? transform::run_command::run
                                   : transform::run_command::build;
  o.full_refresh = *bool_param(p, "full_refresh");
  if (auto sel = param(p, "select"); !sel.empty()) o.select.push_back(sel);
  if (auto ex = param(p, "exclude"); !ex.empty()) o.exclude.push_back(ex);
  std::set<std::string> took;
  if (event && parts.loaded) {
    // Triggers folded into this run kept its parameters; the tables they loaded are here.
    took = parts.loaded->take();
    for (auto& s : loaded_sources::selection(took)) o.select.push_back(std::move(s));
  }
  o.threads = threads;
  o.vars = vars;
  o.trigger = "flow:transform";
  o.stop = ctx.stop();
  std::mutex log_mutex;
  // on_node_done runs on the runner's workers while this thread waits inside run(), so the
  // context is never used by two threads at once; the mutex orders the workers' calls.
  o.on_node_done = [&ctx, &log_mutex](const transform::node_result& n) {
    std::lock_guard lock(log_mutex);
    const bool bad =
        n.status == transform::node_status::error || n.status == transform::node_status::fail;
    ctx.log(bad ? log_level::warn : log_level::info, transform::format_progress(n));
  };
  ctx.log(log_level::info,
          fmt::format("{} {}{}", transform::to_string(o.command),
                      o.select.empty() ? std::string("the whole project")
                                       : fmt::format("--select {}", fmt::join(o.select, " ")),
                      o.full_refresh ? " --full-refresh" : ""));
  auto r = stage.run(o);
  auto give_back = [&] {
    if (!took.empty()) parts.loaded->put_back(took);
  };
  if (!r) {
    give_back();
    return r.error();
  }
  if (auto st = store_results(ctx, *r); !st) {
    ctx.log(log_level::warn, "run results not stored: " + st.error().message);
  }
  if (r->cancelled) {
    give_back();
    return gg::fail(errc::cancelled,
                    fmt::format("transform run {} was cancelled", r->run_id.to_string()));
  }
  if (r->failed()) {
    give_back();
    const auto bad =
        r->count(transform::node_status::error) + r->count(transform::node_status::fail);
    return gg::fail(
        errc::database,
        fmt::format("{} node(s) failed: {}; {} skipped (transform run {})", bad, node_list(*r, 5),
                    r->count(transform::node_status::skipped), r->run_id.to_string()));
  }
  return {};
}

// ---- cleanup -------------------------------------------------------------------------------

gg::status archive_cleanup_task(task_context& ctx, const pipeline_parts& parts,
                                std::chrono::milliseconds retention) {
  if (retention.count() == 0) {
    ctx.log(log_level::info, "--archive-retention is 0: archived segments are kept");
    return {};
  }
  if (!parts.loader) {
    ctx.log(log_level::info, "no loader on this node: its archive is cleaned by the loader's node");
    return {};
  }
  auto* l = running_loader(parts);
  if (l == nullptr) return loader_missing();
  auto r = l->cleanup(retention, ctx.stop());
  if (!r) return r.error();
  ctx.log(log_level::info, fmt::format("deleted {} archived segment(s), {} byte(s), older than {}",
                                       r->files(), r->bytes(), flows::format_duration(retention)));
  return ctx.add_artifact(from_loader(loader::cleanup_artifact(*r)));
}

gg::status run_retention_task(task_context& ctx, const pipeline_parts& parts) {
  if (ctx.stop().stop_requested()) return gg::fail(errc::cancelled, "stopped");
  auto n = parts.engine->prune();
  if (!n) return n.error();
  const auto retention = parts.engine->options().retention;
  ctx.log(log_level::info, fmt::format("deleted {} flow run(s) and artifact(s) older than {}", *n,
                                       flows::format_duration(retention)));
  flows::artifact a;
  a.kind = "markdown";
  a.key = "run-retention-report";
  a.title = "Run Retention Report";
  a.body = fmt::format(
      "Deleted **{}** row(s): flow runs (with their task runs and log lines) that ended, and "
      "artifacts created, more than {} ago.\n",
      *n, flows::format_duration(retention));
  a.data = fmt::format(R"({{"deleted":{},"retention_seconds":{}}})", *n,
                       std::chrono::duration_cast<std::chrono::seconds>(retention).count());
  return ctx.add_artifact(std::move(a));
}

// ---- traffic -------------------------------------------------------------------------------

// The figures of the previous report, so each one covers the time since the last.
struct traffic_baseline {
  std::mutex mutex;
  traffic::traffic_figures last;
  std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
};

gg::status traffic_task(task_context& ctx, traffic::traffic_stage& stage, traffic_baseline& base) {
  const auto now_figures = stage.figures();
  const auto now = std::chrono::system_clock::now();
  traffic::traffic_figures before;
  std::chrono::system_clock::time_point since;
  {
    std::lock_guard lock(base.mutex);
    before = base.last;
    since = base.since;
  }
  auto d = [](std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : a; };
  const auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
  report_table t({"figure", "count"});
  t.add_row({"sessions started", d(now_figures.sessions_started, before.sessions_started)});
  t.add_row({"sessions completed", d(now_figures.sessions_completed, before.sessions_completed)});
  t.add_row({"sessions cut", d(now_figures.sessions_cut, before.sessions_cut)});
  t.add_row(
      {"sessions skipped (at the cap)", d(now_figures.sessions_skipped, before.sessions_skipped)});
  t.add_row({"sessions playing now", now_figures.sessions_active});
  t.add_row({"requests sent", d(now_figures.requests_sent, before.requests_sent)});
  t.add_row({"requests failed", d(now_figures.requests_failed, before.requests_failed)});
  for (std::size_t i = 0; i < traffic::error_kind_count; ++i) {
    const auto n = d(now_figures.errors[i], before.errors[i]);
    if (n > 0) {
      t.add_row(
          {fmt::format("  failed: {}", traffic::to_string(static_cast<traffic::error_kind>(i))),
           n});
    }
  }
  t.add_row({"events sent", d(now_figures.events_sent, before.events_sent)});
  t.add_row(
      {"events acknowledged", d(now_figures.events_acknowledged, before.events_acknowledged)});
  t.add_row({"events rejected", d(now_figures.events_rejected, before.events_rejected)});
  flows::artifact a;
  a.kind = "table";
  a.key = "traffic-report";
  a.title = "Synthetic Traffic";
  a.body = fmt::format("The last {} of synthetic shoppers in this process:\n\n{}",
                       flows::format_duration(secs), t.markdown());
  a.data = t.json();
  if (auto st = ctx.add_artifact(std::move(a)); !st) return st;
  ctx.log(log_level::info,
          fmt::format("{} session(s) completed, {} event(s) sent, {} request(s) failed in {}",
                      d(now_figures.sessions_completed, before.sessions_completed),
                      d(now_figures.events_sent, before.events_sent),
                      d(now_figures.requests_failed, before.requests_failed),
                      flows::format_duration(secs)));
  std::lock_guard lock(base.mutex);
  base.last = now_figures;
  base.since = now;
  return {};
}

}  // namespace

bool runs_on(std::string_view flow, node_roles roles) {
  if (flow == "load") return roles.has(node_role::loader);
  if (flow == "transform") return roles.has(node_role::web);
  if (flow == "cleanup") return roles.has(node_role::web) || roles.has(node_role::loader);
  if (flow == "traffic") return roles.has(node_role::ingest);
  return true;
}

gg::status check_parameters(std::string_view flow, const flows::parameters& params) {
  static const std::array<std::pair<std::string_view, std::vector<std::string_view>>, 4> known{{
      {"load", {"replay_rejects"}},
      {"transform", {"full_refresh", "select", "exclude", "command"}},
      {"cleanup", {}},
      {"traffic", {}},
  }};
  const auto* f =
      std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.first == flow; });
  if (f == known.end()) {
    return gg::fail(errc::not_found,
                    fmt::format("no flow '{}' (load, transform, cleanup, traffic)", flow));
  }
  for (const auto& [key, value] : params) {
    if (std::find(f->second.begin(), f->second.end(), key) == f->second.end()) {
      return gg::fail(errc::invalid_input,
                      f->second.empty()
                          ? fmt::format("flow {} takes no parameters (got {})", flow, key)
                          : fmt::format("flow {} has no parameter '{}' (it takes {})", flow, key,
                                        fmt::join(f->second, ", ")));
    }
  }
  for (auto key : {"replay_rejects", "full_refresh"}) {
    if (auto b = bool_param(params, key); !b) return b.error();
  }
  if (auto c = param(params, "command"); !c.empty() && c != "run" && c != "build") {
    return gg::fail(errc::invalid_input,
                    fmt::format("parameter command: '{}' is neither run nor build", c));
  }
  return {};
}

gg::result<std::vector<flows::flow_definition>> pipeline_flows(const settings& s,
                                                               const pipeline_parts& parts) {
  auto zone = sched::time_zone_spec::parse(s.timezone);
  if (!zone) return gg::fail(errc::config, "--timezone: " + zone.error().message);
  auto schedule = [&](std::string_view option,
                      const std::string& text) -> gg::result<flows::schedule> {
    auto sc = parse_flow_schedule(text, *zone);
    if (!sc) return gg::fail(errc::config, fmt::format("--{}: {}", option, sc.error().message));
    return sc;
  };
  flows::retry_policy retry;
  retry.retries = s.flow_retries;
  retry.delay = s.flow_retry_delay;
  retry.exponential = s.flow_retry_exponential;
  retry.jitter = s.flow_retry_jitter;

  std::vector<flows::flow_definition> out;
  auto add = [&](flows::flow_definition f) {
    f.retry = retry;
    f.timeout = s.flow_timeout;
    f.max_staleness = staleness_for(f.when);
    out.push_back(std::move(f));
  };

  auto load_when = schedule("load-schedule", load_schedule_text(s));
  if (!load_when) return load_when.error();
  add({"load",
       "Loads pending segments (the safety net behind the continuous loader) and stores the "
       "ingestion summary; replay_rejects=true replays the rejected records instead",
       {{"load", [parts](task_context& c) { return load_task(c, parts); }, std::nullopt},
        {"ingestion-summary",
         [parts, unsent = std::make_shared<unsent_summary>()](task_context& c) {
           return ingestion_summary_task(c, parts, *unsent);
         },
         std::nullopt}},
       *load_when});

  auto transform_when = schedule("transform-schedule", transform_schedule_text(s));
  if (!transform_when) return transform_when.error();
  const unsigned threads = s.transform_threads;
  // Always explicit, so each run's recorded arguments say whether synthetic shoppers counted.
  const std::string vars =
      fmt::format("{{include_synthetic: {}}}", s.include_synthetic ? "true" : "false");
  flows::flow_definition transform{
      "transform",
      "Refreshes the analytics tables: an incremental run of the project after each load that "
      "added rows (the models depending on the loaded tables), and a build on the schedule",
      {{"transform",
        [parts, threads, vars](task_context& c) { return transform_task(c, parts, threads, vars); },
        std::nullopt}},
      *transform_when};
  if (parts.transformer &&
      !std::filesystem::exists(parts.transformer->project_dir() / "dbt_project.yml")) {
    // Kept (and runnable by hand, which reports the missing project) but not fired.
    transform.enabled = false;
    log.info("no transformation project; the transform flow does not fire",
             {{"project", parts.transformer->project_dir().string()}});
  }
  add(std::move(transform));

  auto cleanup_when = schedule("cleanup-schedule", s.cleanup_schedule);
  if (!cleanup_when) return cleanup_when.error();
  const auto archive_retention = s.archive_retention;
  add({"cleanup",
       "Deletes archived segments past --archive-retention, then flow runs and artifacts past "
       "--run-retention",
       {{"archive-cleanup",
         [parts, archive_retention](task_context& c) {
           return archive_cleanup_task(c, parts, archive_retention);
         },
         std::nullopt},
        {"run-retention", [parts](task_context& c) { return run_retention_task(c, parts); },
         std::nullopt}},
       *cleanup_when});

  if (parts.traffic) {
    auto base = std::make_shared<traffic_baseline>();
    auto stage = parts.traffic;
    add({"traffic",
         "Reports what the synthetic shoppers did since the previous report",
         {{"traffic-report",
           [stage, base](task_context& c) { return traffic_task(c, *stage, *base); },
           std::nullopt}},
         flows::schedule::every(std::chrono::minutes(5))});
  }
  if (auto st = apply_flow_policies(s.flow_policies, out, {"traffic"}); !st) return st.error();
  return out;
}

std::function<void(const std::set<std::string>&)> transform_on_load(
    flows::engine& engine, std::shared_ptr<loaded_sources> loaded) {
  return [&engine, loaded](const std::set<std::string>& queues) {
    if (queues.empty()) return;
    loaded->add(queues);
    flows::parameters p;
    p["command"] = "run";
    p["select"] = fmt::format("{}", fmt::join(loaded_sources::selection(queues), " "));
    auto r = engine.trigger("transform", flows::trigger_kind::event, std::move(p));
    if (!r) {
      // The tables stay recorded: the next event or scheduled run covers them.
      log.warn("a load could not trigger the transform flow", {{"error", r.error().message}});
    }
  };
}

}  // namespace gg::app
