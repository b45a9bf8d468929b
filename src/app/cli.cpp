#include "cli.hpp"
#include "flow_schedule.hpp"
#include "flows_options.hpp"
#include "transform_options.hpp"

#include <gadgetgrove/broker/broker_url.hpp>
#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/http/listeners_stage.hpp>
#include <gadgetgrove/ingest/trusted_proxies.hpp>
#include <gadgetgrove/pg/conninfo.hpp>
#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>
#include <tuple>

namespace gg::app {
namespace {

constexpr std::string_view env_prefix = "GADGETGROVE_";

// One option definition; `on` lists the subcommands that accept it.
struct option_def {
  std::string name;
  std::vector<command> on;
  std::function<CLI::Option*(CLI::App&, settings&)> bind;
  bool secret = false;
};

std::string env_name(std::string_view option) {
  std::string out{env_prefix};
  for (char c : option) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

CLI::Option* add_duration(CLI::App& app, const std::string& name, std::chrono::milliseconds& target,
                          const std::string& help) {
  std::string flag = "--" + name;
  auto* opt = app.add_option_function<std::string>(
      flag,
      [&target, flag](const std::string& text) {
        auto d = parse_duration(text);
        if (!d) {
          throw CLI::ValidationError(
              flag, fmt::format("invalid duration '{}' (examples: 500ms, 10s, 15m, 1h)", text));
        }
        target = *d;
      },
      help);
  auto ms = target.count();
  opt->default_str(ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms));
  return opt;
}

// An option whose value is one of `choices`: the text is turned into the enum here, once, and
// any other text is a start-up error listing the choices. The default shown is the name of
// `target`'s initial value.
template <class E>
CLI::Option* add_choice(CLI::App& app, const std::string& name, E& target,
                        std::vector<std::pair<std::string, E>> choices, const std::string& help) {
  const std::string flag = "--" + name;
  std::vector<std::string> names;
  for (const auto& c : choices) names.push_back(c.first);
  auto* opt = app.add_option_function<std::string>(
      flag,
      [&target, flag, choices, names](const std::string& text) {
        for (const auto& [choice, value] : choices) {
          if (choice == text) {
            target = value;
            return;
          }
        }
        throw CLI::ValidationError(
            flag, fmt::format("'{}' is not one of {}", text, fmt::join(names, ", ")));
      },
      help);
  for (const auto& [choice, value] : choices) {
    if (value == target) opt->default_str(choice);
  }
  return opt;
}

// The choices of an enum whose names are its to_string().
template <class E>
std::vector<std::pair<std::string, E>> named(std::initializer_list<E> values) {
  std::vector<std::pair<std::string, E>> out;
  for (E v : values) out.emplace_back(std::string(to_string(v)), v);
  return out;
}

CLI::Validator host_port() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        const auto parsed = parse_host_port(v);
        return parsed ? std::string{} : parsed.error().message;
      },
      "HOST:PORT");
}

CLI::Validator schedule_check() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        // Empty means "the flow's interval option decides" (load and transform).
        if (v.empty()) return {};
        // The zone only matters when the schedule fires; the syntax does not depend on it.
        auto e = parse_flow_schedule(v, sched::time_zone_spec::utc());
        return e ? std::string{} : e.error().message;
      },
      "SCHEDULE");
}

CLI::Validator zone_check() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        auto z = sched::time_zone_spec::parse(v);
        if (!z) return z.error().message;
        // The canonical spelling ("europe/berlin" -> "Europe/Berlin", "+0530" -> "+05:30"), so
        // --print-config and the logs show the zone the schedules really use.
        v = z->to_string();
        return {};
      },
      "ZONE");
}

std::vector<option_def> option_table() {
  using c = command;
  const std::vector<command> data_cmds{c::serve, c::init, c::load, c::transform, c::runs, c::run};
  const std::vector<command> logging_cmds{c::serve,     c::init, c::load, c::simulate,
                                          c::transform, c::runs, c::run};
  std::vector<option_def> t;
  auto add = [&](std::string name, std::vector<command> on,
                 std::function<CLI::Option*(CLI::App&, settings&)> bind, bool secret = false) {
    t.push_back({std::move(name), std::move(on), std::move(bind), secret});
  };

  add("data-dir", logging_cmds, [](CLI::App& a, settings& s) {
    return a
        .add_option("--data-dir", s.data_dir,
                    "Directory for segments, archive and the embedded PostgreSQL cluster")
        ->capture_default_str();
  });
  add(
      "database-url", data_cmds,
      [](CLI::App& a, settings& s) {
        return a.add_option("--database-url", s.database_url,
                            "PostgreSQL URL or conninfo; empty: the embedded cluster (also "
                            "DATABASE_URL and the PG* variables)");
      },
      true);
  add("log-level", logging_cmds, [](CLI::App& a, settings& s) {
    using log::level;
    return add_choice(
        a, "log-level", s.log_level,
        named({level::trace, level::debug, level::info, level::warn, level::error, level::off}),
        "Least severe log record written: trace|debug|info|warn|error|off");
  });
  add("log-format", logging_cmds, [](CLI::App& a, settings& s) {
    return add_choice(a, "log-format", s.log_format,
                      {{"auto", log::format::automatic},
                       {"json", log::format::json},
                       {"human", log::format::human}},
                      "Log records as JSON lines or human text; auto: human on a terminal");
  });
  add("sql-dir", data_cmds, [](CLI::App& a, settings& s) {
    return a.add_option("--sql-dir", s.sql_dir,
                        "Folder holding migrations/ and transform/ (default: the installed "
                        "sql/)");
  });
  add("pg-user", data_cmds, [](CLI::App& a, settings& s) {
    return a.add_option("--pg-user", s.pg_user,
                        "System user that runs the embedded PostgreSQL (default: postgres when "
                        "root, else the current user)");
  });
  add("pg-bin-dir", data_cmds, [](CLI::App& a, settings& s) {
    return a.add_option("--pg-bin-dir", s.pg_bin_dir,
                        "PostgreSQL server binaries (default: /usr/lib/postgresql/15/bin)");
  });
  add("pg-port", data_cmds, [](CLI::App& a, settings& s) {
    return a
        .add_option("--pg-port", s.pg_port,
                    "TCP port for the embedded PostgreSQL on 127.0.0.1; 0: unix socket only")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
  });

  add("listen", {c::serve}, [](CLI::App& a, settings& s) {
    return a.add_option("--listen", s.listen, "Public listener (shop and ingest), HOST:PORT")
        ->check(host_port())
        ->capture_default_str();
  });
  add("admin-listen", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--admin-listen", s.admin_listen,
                    "Admin listener (metrics, health, dashboard), HOST:PORT")
        ->check(host_port())
        ->capture_default_str();
  });
  add(
      "admin-token", {c::serve, c::run},
      [](CLI::App& a, settings& s) {
        return a.add_option("--admin-token", s.admin_token,
                            "Bearer token the admin listener requires (Authorization: Bearer); "
                            "run sends it to a running serve; empty: none");
      },
      true);
  add(
      "admin-password", {c::serve},
      [](CLI::App& a, settings& s) {
        return a.add_option("--admin-password", s.admin_password,
                            "Password the admin listener requires (HTTP Basic, any user name); "
                            "empty: none");
      },
      true);
  add("max-connections", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--max-connections", s.max_connections,
                    "Connections the public listener holds before answering 503; 0: 10000. "
                    "Outside systemd the descriptor limit is raised to fit; past what it "
                    "allows, the cap is lowered with a warning")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 24))
        ->capture_default_str();
  });
  add("role", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option_function<std::string>(
            "--role",
            [&s](const std::string& text) {
              auto r = node_roles::parse(text);
              if (!r) throw CLI::ValidationError("--role", r.error().message);
              s.roles = *r;
            },
            "What this process runs: all, or a comma-separated list of ingest (shop, ingest, "
            "event log), loader (loader, load flow) and web (dashboard, pipeline page, "
            "transform and cleanup flows)")
        ->default_str("all");
  });
  add("node-id", {c::serve, c::load, c::run}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--node-id", s.node_id,
                    "This machine's name among the nodes sharing one database: it keys the "
                    "segments this node loads in the ledger, names its processes in the run "
                    "history and labels gadgetgrove_node_info. 1-63 letters, digits, '.', '_' "
                    "or '-'; default: the host name")
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
              if (v.empty()) return {};  // the host name, filled in below
              auto st = check_node_id(v);
              return st ? std::string{} : st.error().message;
            },
            "NODE"));
  });
  add(
      "broker", {c::serve},
      [](CLI::App& a, settings& s) {
        return a.add_option_function<std::string>(
            "--broker",
            [&s](const std::string& text) {
              // The message never repeats the URL: it holds a password.
              if (!text.empty()) {
                if (auto u = broker::parse_broker_url(text); !u) {
                  throw CLI::ValidationError("--broker", u.error().message);
                }
              }
              s.broker = text;
            },
            "RabbitMQ to scale out through, amqp://user:password@host:port/vhost: an ingest "
            "node ships its sealed segments to the streams gadgetgrove.<queue> there, a loader "
            "node loads those streams instead of local segments (docs/SCALING.md); empty: no "
            "broker");
      },
      true);
  add("broker-retention", {c::serve}, [](CLI::App& a, settings& s) {
    auto* o = add_duration(a, "broker-retention", s.broker_retention,
                           "How long the broker keeps a stream's events (x-max-age); must "
                           "outlast the longest loader outage");
    o->default_str("7d");
    return o;
  });
  add("threads", {c::serve}, [](CLI::App& a, settings& s) {
    return a.add_option("--threads", s.threads, "I/O threads; 0: one per core")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
  });
  add("drain-timeout", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "drain-timeout", s.drain_timeout,
                        "How long shutdown waits for in-flight work");
  });
  add("timezone", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--timezone", s.timezone,
                    "Zone for cron schedules: UTC, local, a fixed offset like +05:30, or an "
                    "IANA zone like Europe/Berlin (DST-aware, from /usr/share/zoneinfo)")
        ->transform(zone_check())
        ->capture_default_str();
  });

  add("ack", {c::serve}, [](CLI::App& a, settings& s) {
    using eventlog::ack_mode;
    return add_choice(a, "ack", s.ack,
                      named({ack_mode::durable, ack_mode::written, ack_mode::queued}),
                      "When ingest answers an event: durable (after fsync), written (after "
                      "write), queued (on accept)");
  });
  add("queue-capacity", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--queue-capacity", s.queue_capacity,
                    "Events waiting for the log writer before ingest answers 503")
        ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 24))
        ->capture_default_str();
  });
  add("queue-bytes", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--queue-bytes", s.queue_bytes,
                    "Bytes of events waiting for the log writer before ingest answers 503")
        ->check(CLI::Range(std::uint64_t{64} << 10, std::uint64_t{1} << 36))
        ->capture_default_str();
  });
  add("segment-max-bytes", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--segment-max-bytes", s.segment_max_bytes,
                    "Seal a segment when it reaches this size")
        ->check(CLI::Range(std::uint64_t{4096}, std::uint64_t{1} << 34))
        ->capture_default_str();
  });
  add("segment-max-age", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "segment-max-age", s.segment_max_age,
                        "Seal a segment when its first event is this old");
  });
  add("client-ip", {c::serve}, [](CLI::App& a, settings& s) {
    using ingest::ip_mode;
    return add_choice(a, "client-ip", s.client_ip,
                      named({ip_mode::full, ip_mode::truncate, ip_mode::none}),
                      "Store client IPs as received (full), truncated (truncate) or not (none)");
  });
  add(
      "visitor-hash-key", {c::serve},
      [](CLI::App& a, settings& s) {
        return a.add_option("--visitor-hash-key", s.visitor_hash_key,
                            "Secret for the daily-rotating visitor hash; empty: no hash");
      },
      true);
  add("bot-tagging", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--bot-tagging", s.bot_tagging,
                    "Mark events from crawlers and headless browsers with _bot")
        ->capture_default_str();
  });
  add("cors-origin", {c::serve}, [](CLI::App& a, settings& s) {
    return a.add_option("--cors-origin", s.cors_origins,
                        "Origins allowed to send events from a browser (repeatable)");
  });
  add(
      "write-key", {c::serve},
      [](CLI::App& a, settings& s) {
        return a.add_option("--write-key", s.write_key,
                            "Write key required on the /v1 tracking API; empty: none");
      },
      true);

  add("require-write-key-everywhere", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--require-write-key-everywhere", s.write_key_everywhere,
                    "Require --write-key (HTTP Basic user name) on /api/analytics and "
                    "/api/analytics/batch too, not only on /v1; the shop's browser tracker "
                    "does not send it, so turn this on only where events come from servers")
        ->capture_default_str();
  });
  add("trusted-proxy", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--trusted-proxy", s.trusted_proxies,
                    "Reverse proxy (address or CIDR network, repeatable) whose Forwarded / "
                    "X-Forwarded-For names the client: the rightmost hop that is not a trusted "
                    "proxy; without one these headers are ignored")
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
              const auto parsed = ingest::trusted_proxies::parse({v});
              return parsed ? std::string{} : parsed.error().message;
            },
            "CIDR"));
  });
  add("catalog-seed", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--catalog-seed", s.catalog_seed,
                    "Seed of the generated catalog; the same seed gives the same products")
        ->capture_default_str();
  });
  add("checkout-failure-rate", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--checkout-failure-rate", s.checkout_failure_rate,
                    "Share of checkouts the simulated payment provider declines")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
  });
  add("checkout-seed", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--checkout-seed", s.checkout_seed,
                    "Seed of payment outcomes; 0: a random seed at start")
        ->capture_default_str();
  });
  add("session-cap", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--session-cap", s.session_cap,
                    "Most shop sessions held in memory; at the cap the one closest to expiry "
                    "is evicted")
        ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{100'000'000}))
        ->capture_default_str();
  });
  add("session-ttl", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "session-ttl", s.session_ttl, "Sliding lifetime of a shop session");
  });
  add("dashboard-url", {c::serve}, [](CLI::App& a, settings& s) {
    return a.add_option("--dashboard-url", s.dashboard_url,
                        "Where /analytics redirects; empty: the admin listener");
  });
  add("cookie-secure", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--cookie-secure", s.cookie_secure,
                    "Mark the session cookie Secure (when served over HTTPS)")
        ->capture_default_str();
  });
  add("static-max-age", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "static-max-age", s.static_max_age,
                        "Cache-Control max-age of the storefront's static assets");
  });

  add("traffic", {c::serve}, [](CLI::App& a, settings& s) {
    return add_choice(a, "traffic", s.traffic, {{"on", true}, {"off", false}},
                      "Synthetic shoppers inside serve: on or off (POST /simulate on the admin "
                      "listener works either "
                      "way)");
  });
  add("include-synthetic", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return add_choice(a, "include-synthetic", s.include_synthetic_choice,
                      {{"auto", synthetic_choice::automatic},
                       {"on", synthetic_choice::on},
                       {"off", synthetic_choice::off}},
                      "Count simulated shoppers' events in the analytics models and the "
                      "dashboard (the models' var include_synthetic): on, off, or auto = on "
                      "exactly when serve runs its own synthetic traffic (--traffic on)");
  });
  add("traffic-rate", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--traffic-rate", s.traffic_rate,
                    "Steady stream of synthetic sessions per second; 0: a batch of 1-5 "
                    "sessions every --traffic-interval")
        ->check(CLI::Range(0.0, 10000.0))
        ->capture_default_str();
  });
  add("traffic-interval", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "traffic-interval", s.traffic_interval,
                        "Period of synthetic session batches");
  });
  add("traffic-max-sessions", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--traffic-max-sessions", s.traffic_max_sessions,
                    "Synthetic sessions playing at once; more are skipped and counted")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000}))
        ->capture_default_str();
  });
  add("traffic-think-scale", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--traffic-think-scale", s.traffic_think_scale,
                    "Pause between a synthetic shopper's steps = think time (2-45 s) x this")
        ->check(CLI::Range(0.0, 100.0))
        ->capture_default_str();
  });
  add("traffic-seed", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--traffic-seed", s.traffic_seed, "Seed of the synthetic sessions; 0: random")
        ->capture_default_str();
  });

  add("url", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--url", s.url,
                        "Target shop; default: the public address in <data-dir>/serve.json, "
                        "else http://127.0.0.1:8000");
  });
  add("rate", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--rate", s.rate,
                    "Events per second, scheduled by the clock (default 200; 5000 with a "
                    "backfill)")
        ->check(CLI::Range(0.0, 10'000'000.0));
  });
  add("session-rate", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--session-rate", s.session_rate, "Sessions per second instead of --rate")
        ->check(CLI::Range(0.0, 1'000'000.0));
  });
  add("duration", {c::simulate}, [](CLI::App& a, settings& s) {
    auto* o = add_duration(a, "duration", s.duration,
                           "How long sessions are scheduled (default 10s; with a backfill, until "
                           "it is played)");
    o->default_str("10s");
    return o;
  });
  add("concurrency", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--concurrency", s.concurrency, "Keep-alive connections")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
  });
  add("seed", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--seed", s.seed,
                    "Seed of the session model; 0: random (printed in the report)")
        ->capture_default_str();
  });
  add("backfill-days", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--backfill-days", s.backfill_days,
                    "Stamp sessions over the last N days, following weekday and hour curves")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
  });
  add("backfill-sessions-per-day", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--backfill-sessions-per-day", s.backfill_sessions_per_day,
                    "Sessions per day of history")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
  });
  add("think-scale", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--think-scale", s.think_scale,
                    "Session pacing: real pause = think time x this")
        ->check(CLI::Range(0.0, 100.0))
        ->capture_default_str();
  });
  add("threads", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--threads", s.generator_threads, "Generator threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
  });
  add("report", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--report", s.report, "Write the summary as JSON to this file");
  });
  add("ack-log", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_option("--ack-log", s.ack_log,
                        "Write the event_id of every acknowledged event, one per line");
  });
  add("max-error-rate", {c::simulate}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--max-error-rate", s.max_error_rate,
                    "Exit 1 when failed requests exceed this share")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
  });
  add("timeout", {c::simulate}, [](CLI::App& a, settings& s) {
    return add_duration(a, "timeout", s.request_timeout, "A request unanswered this long fails");
  });
  add("no-page-loads", {c::simulate}, [](CLI::App& a, settings& s) {
    return a.add_flag("--no-page-loads", s.no_page_loads,
                      "Send only the tracker's and checkout's requests, no page GETs");
  });
  add("progress", {c::simulate}, [](CLI::App& a, settings& s) {
    using traffic::progress_mode;
    return add_choice(a, "progress", s.progress,
                      {{"auto", progress_mode::automatic},
                       {"always", progress_mode::always},
                       {"never", progress_mode::never}},
                      "Progress lines on stderr: auto (on a terminal)|always|never");
  });

  add("loader-threads", {c::serve, c::load, c::run}, [](CLI::App& a, settings& s) {
    return a.add_option("--loader-threads", s.loader_threads, "Loader workers; 0: one per core")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
  });
  add("load-interval", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "load-interval", s.load_interval,
                        "Period of the load flow (a safety-net load and the ingestion "
                        "summary) when --load-schedule is empty; loading itself is continuous");
  });
  add("archive-retention", {c::serve, c::load, c::run}, [](CLI::App& a, settings& s) {
    return add_duration(a, "archive-retention", s.archive_retention,
                        "Delete archived segments older than this; 0: keep forever");
  });
  add("transform-interval", {c::serve}, [](CLI::App& a, settings& s) {
    return add_duration(a, "transform-interval", s.transform_interval,
                        "Period of the transform flow when --transform-schedule is empty; 0: "
                        "only after loads and by hand");
  });
  add("transform-project", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return a.add_option("--transform-project", s.transform_project,
                        "dbt-style project run by serve (default: <sql-dir>/transform)");
  });
  add("load-schedule", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--load-schedule", s.load_schedule,
                    "When the load flow runs (pending segments, ingestion summary): 'every 60s', "
                    "an interval, a 5-field cron in --timezone, or off; empty: every "
                    "--load-interval")
        ->check(schedule_check());
  });
  add("transform-schedule", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--transform-schedule", s.transform_schedule,
                    "When the transform flow runs besides after loads: 'every 120s', an "
                    "interval, a 5-field cron in --timezone, or off; empty: every "
                    "--transform-interval")
        ->check(schedule_check());
  });
  add("cleanup-schedule", {c::serve}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--cleanup-schedule", s.cleanup_schedule,
                    "When the cleanup flow (archive and run retention) runs: a 5-field cron "
                    "expression in --timezone, 'every 15m', an interval, or off")
        ->check(schedule_check())
        ->capture_default_str();
  });
  add("flow-retries", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return a.add_option("--flow-retries", s.flow_retries, "Retries of a failed flow run")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
  });
  add("flow-retry-delay", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return add_duration(a, "flow-retry-delay", s.flow_retry_delay,
                        "Wait before retrying a failed flow run");
  });
  add("flow-retry-backoff", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return add_choice(a, "flow-retry-backoff", s.flow_retry_exponential,
                      {{"fixed", false}, {"exponential", true}},
                      "fixed: every retry waits --flow-retry-delay; exponential: retry n waits "
                      "the delay times 2^(n-1), at most 10m");
  });
  add("flow-retry-jitter", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return a
        .add_option("--flow-retry-jitter", s.flow_retry_jitter,
                    "Spread each retry wait at random over [wait*(1-J), wait]: 0 to 1")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
  });
  add("flow-policy", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return a
        .add_option_function<std::vector<std::string>>(
            "--flow-policy",
            [&s](const std::vector<std::string>& texts) {
              s.flow_policies.clear();
              for (const auto& text : texts) {
                auto p = parse_flow_policy(text);
                if (!p) throw CLI::ValidationError("--flow-policy", p.error().message);
                s.flow_policies.push_back(std::move(*p));
              }
            },
            "Run policy of one flow or task, over the --flow-* defaults (repeatable): "
            "'FLOW[.TASK]: retries=N delay=D backoff=fixed|exponential jitter=J max-delay=D "
            "timeout=D stale-after=D', e.g. 'transform: retries=5 backoff=exponential'")
        ->take_all();
  });
  add("flow-timeout", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    return add_duration(a, "flow-timeout", s.flow_timeout,
                        "A flow run still going after this long is cancelled and fails; 0: none");
  });
  add("run-retention", {c::serve, c::run}, [](CLI::App& a, settings& s) {
    auto* o = add_duration(a, "run-retention", s.run_retention,
                           "The cleanup flow deletes flow runs, their logs and artifacts older "
                           "than this");
    o->default_str("30d");
    return o;
  });
  add("transform-on-load", {c::serve}, [](CLI::App& a, settings& s) {
    return add_choice(a, "transform-on-load", s.transform_on_load, {{"on", true}, {"off", false}},
                      "A load that added rows triggers a transform run of the models depending "
                      "on the loaded tables: on or off");
  });
  return t;
}

std::string mask(const option_def& def, const std::string& value) {
  if (!def.secret || value.empty()) return value;
  // Mask only the password part; the rest helps when debugging a connection.
  if (def.name == "database-url") return pg::mask_conninfo(value);
  if (def.name == "broker") return broker::mask_broker_url(value);
  return "****";
}

std::string normalise_key(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

}  // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string{v};
    return std::nullopt;
  };
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (std::uint64_t{1} << 40)) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  auto unit = text.substr(i);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<std::int64_t>(n * scale)};
}

std::variant<parsed_cli, int> parse_cli(const std::vector<std::string>& args, const env_lookup& env,
                                        std::string& out, std::string& err) {
  parsed_cli result;
  settings& s = result.opts;

  CLI::App app{"GadgetGrove: a shop, its event pipeline and its analytics in one binary",
               "gadgetgrove"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  struct sub_def {
    command cmd;
    const char* name;
    const char* help;
  };
  const std::vector<sub_def> subs{
      {command::serve, "serve", "Run the shop, ingest, loader and admin listeners"},
      {command::init, "init", "Create or upgrade the database schema, then exit"},
      {command::load, "load", "Load sealed segments into PostgreSQL, then exit"},
      {command::simulate, "simulate",
       "Drive a shop with synthetic, open-loop traffic and report rates and latency"},
      {command::version, "version", "Print the version and exit"},
      {command::transform, "transform",
       "Run the dbt-style SQL project: run|build|test|compile|ls|graph|freshness"},
      {command::runs, "runs", "List the pipeline flows' runs, newest first"},
      {command::run, "run",
       "Run a flow now (load, transform, cleanup, traffic): in the running serve if one is up, "
       "else in this process; follows its log and exits with its outcome"},
  };
  std::map<command, CLI::App*> apps;
  for (const auto& sd : subs) {
    auto* sub = app.add_subcommand(sd.name, sd.help);
    sub->add_option("--config", s.config_file, "TOML file with option values");
    apps[sd.cmd] = sub;
  }
  apps[command::serve]->add_flag("--print-config", s.print_config,
                                 "Print the effective configuration and where each value came "
                                 "from, then exit");
  apps[command::load]->add_flag("--once", s.load_once, "Load everything pending, then exit");
  apps[command::load]->add_flag("--replay-rejects", s.replay_rejects,
                                "Retry rejected records, then exit");
  add_transform_options(*apps[command::transform], s);
  add_runs_options(*apps[command::runs], s);
  add_run_options(*apps[command::run], s);

  // Every option of each subcommand, remembered for the env/config layering below.
  struct bound {
    const option_def* def;
    CLI::Option* opt;
  };
  auto table = option_table();
  std::map<command, std::vector<bound>> bound_options;
  for (const auto& def : table) {
    for (command cmd : def.on) bound_options[cmd].push_back({&def, def.bind(*apps[cmd], s)});
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out = app.help();
    for (const auto& [cmd, sub] : apps) {
      if (sub->parsed()) out = sub->help();
    }
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out = app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (msg.find('\n') != std::string::npos) msg = msg.substr(0, msg.find('\n'));
    err = fmt::format("gadgetgrove: {}", msg);
    return 2;
  }

  for (const auto& sd : subs) {
    if (apps[sd.cmd]->parsed()) result.cmd = sd.cmd;
  }
  auto& mine = bound_options[result.cmd];

  // Config file items: top-level keys apply to any subcommand that has the option; a [section]
  // applies to that subcommand only. A key no subcommand knows is an error, not a silent no-op.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> from_file;
  if (!s.config_file.empty()) {
    std::vector<CLI::ConfigItem> items;
    try {
      items = CLI::ConfigTOML{}.from_file(s.config_file);
    } catch (const CLI::Error& e) {
      err = fmt::format("gadgetgrove: --config: cannot read '{}': {}", s.config_file, e.what());
      return 2;
    }
    for (const auto& item : items) {
      if (item.name == "++" || item.name == "--") continue;
      std::string key = normalise_key(item.name);
      std::string section = item.parents.empty() ? "" : item.parents.front();
      if (item.parents.size() > 1) {
        err = fmt::format("gadgetgrove: --config: unknown option '{}' in {}", item.fullname(),
                          s.config_file);
        return 2;
      }
      bool known = false;
      for (const auto& def : table) {
        if (def.name != key) continue;
        if (section.empty()) known = true;
        for (const auto& sd : subs) {
          if (section == sd.name && std::find(def.on.begin(), def.on.end(), sd.cmd) != def.on.end())
            known = true;
        }
      }
      if (!known) {
        err = fmt::format("gadgetgrove: --config: unknown option '{}' in {}", item.fullname(),
                          s.config_file);
        return 2;
      }
      bool applies = section.empty();
      for (const auto& sd : subs) {
        if (section == sd.name && sd.cmd == result.cmd) applies = true;
      }
      // A section entry overrides a top-level one for its subcommand.
      if (applies && (!from_file.count(key) || !section.empty())) {
        from_file[key] = {section, item.inputs};
      }
    }
  }

  auto apply = [&](CLI::Option* opt, const std::vector<std::string>& values,
                   const std::string& where) -> bool {
    // An empty TOML array means "none", which is every list option's default.
    if (values.empty()) return true;
    try {
      for (const auto& v : values) opt->add_result(v);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      err = fmt::format("gadgetgrove: {} (from {})", e.what(), where);
      return false;
    }
    return true;
  };

  for (auto& b : mine) {
    std::string source = "default";
    if (b.opt->count() > 0) {
      source = "command line";
    } else if (auto v = env(env_name(b.def->name)); v && !v->empty()) {
      source = "env " + env_name(b.def->name);
      std::vector<std::string> values{*v};
      if (b.opt->get_items_expected_max() > 1) values = CLI::detail::split(*v, ',');
      if (!apply(b.opt, values, source)) return 2;
    } else if (auto it = from_file.find(b.def->name); it != from_file.end()) {
      source = "config " + s.config_file;
      if (!apply(b.opt, it->second.second, source)) return 2;
    } else if (b.def->name == "database-url") {
      if (auto url = env("DATABASE_URL"); url && !url->empty()) {
        source = "env DATABASE_URL";
        if (!apply(b.opt, {*url}, source)) return 2;
      }
    }
    std::string value =
        b.opt->count() > 0 ? CLI::detail::join(b.opt->results(), ",") : b.opt->get_default_str();
    result.origins.push_back({b.def->name, mask(*b.def, value), source});
  }
  // A flow's schedule option supersedes its older interval option. When both are given, the
  // one from the stronger source wins (command line, then environment, then config file), the
  // schedule on a tie; --print-config says which one was overridden.
  auto rank = [](const std::string& source) {
    if (source == "command line") return 3;
    if (source.rfind("env ", 0) == 0) return 2;
    if (source.rfind("config ", 0) == 0) return 1;
    return 0;
  };
  for (const auto& [schedule, interval, text] :
       {std::tuple{"load-schedule", "load-interval", &s.load_schedule},
        std::tuple{"transform-schedule", "transform-interval", &s.transform_schedule}}) {
    option_origin* sched_origin = nullptr;
    option_origin* interval_origin = nullptr;
    for (auto& o : result.origins) {
      if (o.name == schedule) sched_origin = &o;
      if (o.name == interval) interval_origin = &o;
    }
    if (sched_origin == nullptr || interval_origin == nullptr || text->empty()) continue;
    if (rank(interval_origin->source) == 0) continue;
    if (rank(interval_origin->source) > rank(sched_origin->source)) {
      text->clear();
      sched_origin->source += fmt::format(" (overridden by {})", interval);
    } else {
      interval_origin->source += fmt::format(" (overridden by {})", schedule);
    }
  }
  // `auto` is decided here, where it is shown: the models count synthetic events exactly when
  // serve plays its own synthetic shoppers, so the demo's dashboard is not empty, and the
  // print-out says why.
  s.include_synthetic = s.include_synthetic_choice == synthetic_choice::on ||
                        (s.include_synthetic_choice == synthetic_choice::automatic &&
                         result.cmd == command::serve && s.traffic);
  for (auto& o : result.origins) {
    if (o.name != "include-synthetic" || s.include_synthetic_choice != synthetic_choice::automatic)
      continue;
    o.value = s.include_synthetic ? "on" : "off";
    o.source += result.cmd == command::serve
                    ? fmt::format(" (auto: --traffic {})", s.traffic ? "on" : "off")
                    : " (auto: no synthetic traffic here)";
  }
  const bool names_node =
      result.cmd == command::serve || result.cmd == command::load || result.cmd == command::run;
  if (names_node && s.node_id.empty()) {
    s.node_id = default_node_id();
    if (auto st = check_node_id(s.node_id); !st) {
      err = fmt::format("gadgetgrove: the host name cannot be the node id ({}): give --node-id",
                        st.error().message);
      return 2;
    }
    for (auto& o : result.origins) {
      if (o.name != "node-id") continue;
      o.value = s.node_id;
      o.source += " (the host name)";
    }
  }
  if (result.cmd == command::serve && !s.print_config) {
    http::admin_access_options admin;
    admin.token = s.admin_token;
    admin.password = s.admin_password;
    if (auto st = http::check_admin_exposure(s.admin_listen, admin); !st) {
      err = fmt::format("gadgetgrove: {}", st.error().message);
      return 2;
    }
  }
  return result;
}

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (const auto& def : option_table()) names.push_back(def.name);
  return names;
}

std::string format_origins(const std::vector<option_origin>& origins) {
  std::size_t w1 = 6, w2 = 5;
  for (const auto& o : origins) {
    w1 = std::max(w1, o.name.size());
    w2 = std::max(w2, o.value.size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {}\n", "option", w1, "value", w2, "source");
  for (const auto& o : origins) {
    out += fmt::format("{:<{}}  {:<{}}  {}\n", o.name, w1, o.value.empty() ? "\"\"" : o.value, w2,
                       o.source);
  }
  return out;
}

}  // namespace gg::app
