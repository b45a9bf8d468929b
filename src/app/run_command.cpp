// `gadgetgrove run <flow> [--full-refresh] [--select X] [--replay-rejects] [--param k=v]`: one
// run of a pipeline flow now. With a serve up on the data directory the run is asked of it
// through its admin API (POST /api/flows/<flow>/run) and followed (GET /api/runs/<id>);
// otherwise the stages the flow needs and an engine are built in this process. Either way the
// run's log is printed as it is written and the exit status is the run's outcome.

#include "admin_client.hpp"
#include "commands.hpp"
#include "database.hpp"
#include "interrupt_watcher.hpp"
#include "loader_options.hpp"
#include "pipeline_flows.hpp"
#include "process_setup.hpp"
#include "run_text.hpp"

#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/core/serve_info.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/sched/scheduler.hpp>

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/json.hpp>

#include <signal.h>

#include <cerrno>
#include <optional>
#include <thread>

namespace gg::app {
namespace {

using namespace std::chrono_literals;

constexpr int exit_usage = 2;

std::string clock_text() {
  // hh:mm:ss.mmm of now, UTC, like the process log.
  char buf[iso8601_ms_size];
  format_iso8601_ms(now_us(), buf);
  return std::string(buf + 11, 12);
}

gg::result<flows::parameters> parameters_for(const settings& s) {
  flows::parameters p;
  for (const auto& kv : s.run_params) {
    auto eq = kv.find('=');
    p[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (s.full_refresh) p["full_refresh"] = "true";
  if (s.replay_rejects) p["replay_rejects"] = "true";
  if (!s.transform_select.empty())
    p["select"] = fmt::format("{}", fmt::join(s.transform_select, " "));
  if (auto st = check_parameters(s.run_flow, p); !st) return st.error();
  return p;
}

int exit_for(flows::run_state st) { return st == flows::run_state::completed ? 0 : 1; }

void print_end(std::string_view id, std::string_view state, std::optional<double> seconds,
               std::string_view error) {
  fmt::print("run {} {}{}{}\n", id, state, seconds ? fmt::format(" in {:.2f} s", *seconds) : "",
             error.empty() ? std::string{} : fmt::format(": {}", error));
}

// ---- through a running serve ---------------------------------------------------------------

// A serve.json whose process is gone is the leftover of a crash, not a running serve.
std::optional<serve_info> running_serve(const std::filesystem::path& data_dir) {
  auto info = read_serve_info(data_dir);
  if (!info) return std::nullopt;
  if (info->pid > 0 && ::kill(info->pid, 0) != 0 && errno == ESRCH) return std::nullopt;
  return *info;
}

std::string json_body(const flows::parameters& p) {
  boost::json::object params;
  for (const auto& [k, v] : p) params[k] = v;
  return boost::json::serialize(boost::json::object{{"parameters", std::move(params)}});
}

std::string_view text_of(simdjson::dom::element e) {
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

std::string api_error(const admin_reply& r) {
  std::string out = fmt::format("HTTP {}: {}", r.status, r.body.substr(0, 200));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r.body).get(doc) == simdjson::SUCCESS) {
    if (auto msg = text_of(doc["error"]); !msg.empty()) out = std::string(msg);
  }
  if (r.status == 401) {
    out +=
        " by serve's admin API: give its token with --admin-token, GADGETGROVE_ADMIN_TOKEN or "
        "admin-token in the config file";
  }
  return out;
}

int run_through_api(const serve_info& serve, const settings& s, const flows::parameters& p) {
  // --admin-token, its environment variable or the config file (the usual option layering).
  admin_client client(serve.admin_address, s.admin_token);
  const std::string prefix = "gadgetgrove run";
  auto started = client.request("POST", fmt::format("/api/flows/{}/run", s.run_flow), json_body(p));
  if (!started) {
    fmt::print(stderr, "{}: {}\n", prefix, started.error().message);
    return 1;
  }
  if (started->status == 404 || started->status == 400) {
    fmt::print(stderr, "{}: {}\n", prefix, api_error(*started));
    return exit_usage;
  }
  if (started->status != 200 && started->status != 201 && started->status != 202) {
    fmt::print(stderr, "{}: {}\n", prefix, api_error(*started));
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(started->body).get(doc) != simdjson::SUCCESS) {
    fmt::print(stderr, "{}: serve answered something that is not JSON\n", prefix);
    return 1;
  }
  std::string run_id(text_of(doc["run_id"]));
  if (run_id.empty()) {
    fmt::print(stderr, "{}: serve's answer names no run\n", prefix);
    return 1;
  }
  bool coalesced = false;
  if (doc["coalesced"].get_bool().get(coalesced) != simdjson::SUCCESS) coalesced = false;
  // A trigger while the flow runs does not start a run: it becomes the one pending follow-up
  // run, or joins the pending run that is already waiting. Say which, so nobody takes the
  // follow-up for a run that started now.
  const auto state = flows::parse_run_state(text_of(doc["state"]));
  const char* what = coalesced ? "(folded into the pending run, which starts when the running "
                                 "one ends)"
                     : state == flows::run_state::pending
                         ? "pending (the flow is running; this run starts when it ends)"
                         : "started";
  fmt::print("run {} of {} {} in serve {}{}\n", run_id, s.run_flow, what, serve.pid,
             p.empty() ? "" : " with " + json_body(p));

  interrupt_watcher interrupts("gadgetgrove run: interrupted; the run goes on in serve");
  std::int64_t last_log = 0;
  for (;;) {
    if (interrupts.token().stop_requested()) return 1;
    auto r = client.request("GET", "/api/runs/" + run_id);
    if (!r) {
      fmt::print(stderr, "{}: {}\n", prefix, r.error().message);
      return 1;
    }
    if (r->status != 200) {
      fmt::print(stderr, "{}: {}\n", prefix, api_error(*r));
      return 1;
    }
    simdjson::dom::element d;
    if (parser.parse(r->body).get(d) != simdjson::SUCCESS) {
      fmt::print(stderr, "{}: serve answered something that is not JSON\n", prefix);
      return 1;
    }
    simdjson::dom::array logs;
    if (d["logs"].get_array().get(logs) == simdjson::SUCCESS) {
      for (auto line : logs) {
        std::int64_t id = 0;
        if (line["id"].get_int64().get(id) != simdjson::SUCCESS) continue;
        if (id <= last_log) continue;
        last_log = id;
        auto at = text_of(line["logged_at"]);
        fmt::print("{}\n",
                   log_line(at.size() >= 23 ? at.substr(11, 12) : at, text_of(line["level"]),
                            text_of(line["task"]), text_of(line["message"])));
      }
      std::fflush(stdout);
    }
    auto run = d["run"];
    auto state = flows::parse_run_state(text_of(run["state"]));
    if (state && flows::is_final(*state)) {
      double secs = 0;
      std::optional<double> duration;
      if (run["duration_s"].get_double().get(secs) == simdjson::SUCCESS) duration = secs;
      // A failed run with retries left has a retry run: follow it.
      std::string_view retry = text_of(d["retry_run"]);
      if (*state != flows::run_state::completed && !retry.empty()) {
        print_end(run_id, text_of(run["state"]), duration, text_of(run["error"]));
        run_id = std::string(retry);
        last_log = 0;
        fmt::print("following retry run {}\n", run_id);
        continue;
      }
      print_end(run_id, text_of(run["state"]), duration, text_of(run["error"]));
      return exit_for(*state);
    }
    std::this_thread::sleep_for(300ms);
  }
}

// ---- in this process -----------------------------------------------------------------------

int run_in_process(settings s, const flows::parameters& p) {
  const std::string prefix = "gadgetgrove run";
  if (s.run_flow == "traffic") {
    fmt::print(stderr,
               "{}: the traffic flow reports a running serve's synthetic shoppers; no serve is "
               "running on {}\n",
               prefix, s.data_dir);
    return 1;
  }
  auto db_options = database_options_for(s, /*owns_data_dir=*/false);
  if (!db_options) {
    fmt::print(stderr, "{}: {}\n", prefix, db_options.error().message);
    return 1;
  }
  pg::database_stage db(std::move(*db_options));
  if (auto st = db.start(); !st) {
    fmt::print(stderr, "{}: {}\n", prefix, st.error().message);
    return 1;
  }
  const std::string conninfo = db.conninfo();
  int code = 1;
  {
    interrupt_watcher interrupts("gadgetgrove run: interrupted, cancelling the run");
    sched::scheduler_options so;
    so.io_threads = 1;
    so.blocking_threads = 2;
    sched::scheduler sched(so);
    sched.run();

    std::unique_ptr<loader::loader> loader;
    if (s.run_flow == "load" || s.run_flow == "cleanup") {
      auto lo = loader_options_for(s, conninfo);
      // The flow's tasks store the reports as the run's artifacts.
      lo.write_artifacts = false;
      loader = std::make_unique<loader::loader>(lo);
    }
    std::filesystem::path project = s.transform_project;
    if (project.empty()) {
      if (auto sql = resolve_sql_dir(s)) project = *sql / "transform";
    }
    auto transformer =
        std::make_shared<transform::transform_stage>([conninfo] { return conninfo; }, project);
    (void)transformer->start();

    flows::engine_options eo;
    eo.conninfo = [conninfo] { return conninfo; };
    eo.node = process_name(s.node_id);
    eo.tick = 0ms;  // polled below while the run is followed
    eo.retention = s.run_retention;
    flows::engine engine(eo, sched);

    pipeline_parts parts;
    auto* raw_loader = loader.get();
    parts.loader = [raw_loader] { return raw_loader; };
    parts.transformer = transformer;
    parts.engine = &engine;
    auto defs = pipeline_flows(s, parts);
    if (!defs) {
      fmt::print(stderr, "{}: {}\n", prefix, defs.error().message);
      return exit_usage;
    }
    for (auto& f : *defs) {
      if (f.name != s.run_flow) continue;
      // Only by hand here: fire times belong to serve.
      f.when = flows::schedule::none();
      f.enabled = true;
      if (auto st = engine.add_flow(std::move(f)); !st) {
        fmt::print(stderr, "{}: {}\n", prefix, st.error().message);
        return 1;
      }
    }
    if (auto st = engine.start(); !st) {
      fmt::print(stderr, "{}: {}\n", prefix, st.error().message);
      return 1;
    }
    std::jthread poller([&engine](std::stop_token stop) {
      while (!stop.stop_requested()) {
        engine.poll();
        std::this_thread::sleep_for(200ms);
      }
    });
    auto started = engine.trigger(s.run_flow, flows::trigger_kind::manual, p);
    if (!started) {
      fmt::print(stderr, "{}: {}\n", prefix, started.error().message);
    } else {
      fmt::print("run {} of {} started in this process{}\n", started->run_id, s.run_flow,
                 p.empty() ? "" : " with " + json_body(p));
      std::fflush(stdout);
      std::stop_callback on_interrupt(interrupts.token(),
                                      [&engine, id = started->run_id] { (void)engine.cancel(id); });
      auto done = engine.wait(
          started->run_id, std::nullopt,
          [](flows::log_level level, std::string_view task, std::string_view message) {
            fmt::print("{}\n", log_line(clock_text(), flows::to_string(level), task, message));
            std::fflush(stdout);
          });
      if (!done) {
        fmt::print(stderr, "{}: {}\n", prefix, done.error().message);
      } else {
        print_end(done->id, flows::to_string(done->state), done->duration_s, done->error);
        code = exit_for(done->state);
      }
    }
    poller.request_stop();
    poller.join();
    engine.request_stop();
    (void)engine.drain(std::chrono::steady_clock::now() + s.drain_timeout);
    transformer->request_stop();
    (void)transformer->drain(std::chrono::steady_clock::now() + s.drain_timeout);
    sched.stop();
  }
  (void)db.drain(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  return code;
}

}  // namespace

int run_flow(const parsed_cli& cli) {
  configure_logging(cli.opts);
  settings s = cli.opts;
  auto p = parameters_for(s);
  if (!p) {
    fmt::print(stderr, "gadgetgrove run: {}\n", p.error().message);
    return exit_usage;
  }
  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    fmt::print(stderr, "gadgetgrove run: {}\n", dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  if (auto serve = running_serve(*dir)) return run_through_api(*serve, s, *p);
  return run_in_process(s, *p);
}

}  // namespace gg::app
