#pragma once
// Every option of every subcommand, in one struct. Values come from (lowest to highest
// precedence) the built-in default, the config file, a GADGETGROVE_<OPTION> environment variable
// and the command line; cli.cpp records where each effective value came from. An option with a
// fixed set of values is parsed into its enum once, in cli.cpp: an invalid value is a start-up
// error, and no command parses the text again.

#include "flow_policy.hpp"
#include "node_roles.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/flows/flow.hpp>
#include <gadgetgrove/ingest/client_ip.hpp>
#include <gadgetgrove/traffic/simulate.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gg::app {

/// What `gadgetgrove transform` does: run, build, test or freshness through the runner;
/// compile, ls and graph print the project without touching the database.
enum class transform_verb : std::uint8_t { run, build, test, compile, ls, graph, freshness };

/// --include-synthetic: whether the models count simulated shoppers' events.
enum class synthetic_choice : std::uint8_t { automatic, on, off };

struct settings {
  // Common to every subcommand that touches data or the database.
  std::string config_file;
  std::string data_dir = "data";
  std::string database_url;
  log::level log_level = log::level::info;
  log::format log_format = log::format::automatic;
  std::string sql_dir;  // empty: next to the binary's sources or the installed share/ folder

  // Embedded PostgreSQL.
  std::string pg_user;  // empty: "postgres" when running as root, else the current user
  std::string pg_bin_dir;
  unsigned pg_port = 0;  // 0: unix socket only

  // serve
  node_roles roles = node_roles::all();  // --role
  // serve, load, run: this machine among the nodes sharing the database (core/node_id.hpp);
  // parse_cli puts the host name when unset.
  std::string node_id;
  // Scale-out through RabbitMQ streams (docs/SCALING.md); empty: no broker, nothing changes.
  std::string broker;  // amqp://user:password@host:port/vhost, checked when parsed
  std::chrono::milliseconds broker_retention{std::chrono::hours(24 * 7)};
  std::string listen = "0.0.0.0:8000";
  std::string admin_listen = "127.0.0.1:8050";
  unsigned threads = 0;               // 0: one per core
  std::uint64_t max_connections = 0;  // public listener; 0: http::default_max_connections
  std::chrono::milliseconds drain_timeout{10'000};
  std::string timezone = "UTC";
  bool print_config = false;
  // Admin listener credentials (see http::admin_access); one is required when it listens
  // beyond loopback.
  std::string admin_token;
  std::string admin_password;

  // Event log and ingest.
  eventlog::ack_mode ack = eventlog::ack_mode::durable;
  std::uint64_t queue_capacity = 65536;
  std::uint64_t queue_bytes = 128ull << 20;
  std::uint64_t segment_max_bytes = 64ull << 20;
  std::chrono::milliseconds segment_max_age{1000};
  ingest::ip_mode client_ip = ingest::ip_mode::full;
  std::string visitor_hash_key;
  bool bot_tagging = true;
  std::vector<std::string> cors_origins;
  std::string write_key;
  bool write_key_everywhere = false;
  std::vector<std::string> trusted_proxies;

  // Shop.
  std::uint64_t catalog_seed = 42;
  double checkout_failure_rate = 0.10;
  std::uint64_t checkout_seed = 0;  // 0: random at start
  std::uint64_t session_cap = 100'000;
  std::chrono::milliseconds session_ttl{30 * 60 * 1000};
  std::string dashboard_url;  // empty: the admin listener's address
  bool cookie_secure = false;
  std::chrono::milliseconds static_max_age{3600 * 1000};

  // Synthetic traffic inside serve.
  bool traffic = true;      // --traffic on|off
  double traffic_rate = 0;  // sessions/s; 0: batches every traffic_interval
  std::chrono::milliseconds traffic_interval{60'000};
  std::uint64_t traffic_max_sessions = 256;
  double traffic_think_scale = 1.0;
  std::uint64_t traffic_seed = 0;
  /// The models' var include_synthetic for the transform runs of serve (and `run`). automatic
  /// is resolved by parse_cli into include_synthetic: on for serve with --traffic on (a demo's
  /// dashboard would otherwise stay empty), off otherwise; --print-config shows which.
  synthetic_choice include_synthetic_choice = synthetic_choice::automatic;
  bool include_synthetic = false;

  // simulate
  std::string url;  // empty: serve.json of data_dir, else http://127.0.0.1:8000
  double rate = 0;
  double session_rate = 0;
  std::chrono::milliseconds duration{0};  // 0: 10 s, or until the backfill is played
  unsigned concurrency = 16;
  std::uint64_t seed = 0;  // 0: random
  unsigned backfill_days = 0;
  unsigned backfill_sessions_per_day = 300;
  double think_scale = 0.02;
  unsigned generator_threads = 1;
  std::string report;
  std::string ack_log;
  double max_error_rate = 0.01;
  std::chrono::milliseconds request_timeout{5000};
  bool no_page_loads = false;
  traffic::progress_mode progress = traffic::progress_mode::automatic;

  // Loader.
  unsigned loader_threads = 0;  // 0: one per core
  std::chrono::milliseconds load_interval{60'000};
  std::chrono::milliseconds archive_retention{3'600'000};
  std::string cleanup_schedule = "*/15 * * * *";  // cron, in `timezone`
  bool load_once = false;
  bool replay_rejects = false;

  // transform (the SQL transformation runner) and its periodic job in serve.
  transform_verb transform_action = transform_verb::run;
  std::string transform_project;  // empty: <sql-dir>/transform
  std::vector<std::string> transform_select;
  std::vector<std::string> transform_exclude;
  unsigned transform_threads = 4;
  bool full_refresh = false;
  bool fail_fast = false;
  std::string transform_vars;
  std::string target_schema = "public";
  std::string event_time_start;
  std::string event_time_end;
  std::string target_path;
  std::chrono::milliseconds transform_interval{120'000};  // serve; 0: off

  // Pipeline flows (serve, and `run` in-process). A schedule is "every 60s", an interval
  // ("60s"), a 5-field cron expression in `timezone`, or "off"; empty load/transform schedules
  // mean every load_interval / transform_interval (flow_schedule.hpp resolves them).
  std::string load_schedule;
  std::string transform_schedule;
  unsigned flow_retries = 2;
  std::chrono::milliseconds flow_retry_delay{10'000};
  bool flow_retry_exponential = false;
  double flow_retry_jitter = 0.0;
  std::chrono::milliseconds flow_timeout{3'600'000};  // 0: none
  std::chrono::milliseconds run_retention{30ll * 86'400'000};
  std::vector<flow_policy> flow_policies;  // --flow-policy, in the order given
  bool transform_on_load = true;

  // runs: the flows' run history.
  std::string runs_flow;  // empty: every flow
  std::optional<flows::run_state> runs_state;
  unsigned runs_limit = 20;
  bool runs_json = false;

  // run <flow>: one run now (full_refresh, transform_select and replay_rejects above apply).
  std::string run_flow;
  std::vector<std::string> run_params;  // "key=value"
};

}  // namespace gg::app
