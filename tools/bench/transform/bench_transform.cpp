// Transform benchmark: the shipped analytics project (sql/transform) on generated shop traffic.
//   full refresh        gadgetgrove's runner, every model rebuilt from raw_data.*
//   +1% refresh         add 1% new events (new sessions, loaded later), incremental run;
//                       reference: the full refresh (goal <= 5% of it)
//   runner vs psql -f   the same compiled SQL (each model's SELECT as CREATE TABLE AS with its
//                       indexes, in DAG order) run by psql -f; goal: runner <= 5% slower
//   parse + compile     project::load + compile of every model of a generated 500-model
//                       project; goal <= 200 ms
// Events come from the traffic session model (the generator behind serve's synthetic traffic),
// each session turned into the rows the shop and its tracker would have sent, and reach
// raw_data.* through the loader's binary COPY encoder. Timings are wall clock; each figure is
// the median of --runs runs.

#include "project/compiler.hpp"
#include "project/project.hpp"
#include "project/synthetic_project.hpp"

#include "scratch_database.hpp"
#include "traffic_rows.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include <gadgetgrove/shop/catalog.hpp>
#include <gadgetgrove/transform/node_result.hpp>
#include <gadgetgrove/transform/runner.hpp>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct config {
  std::uint64_t events = 5'000'000;
  int runs = 3;
  double increment_percent = 1.0;
  std::size_t models = 500;
  unsigned threads = 1;
  int days = 28;
  std::string work_dir;
  std::string conninfo;
  std::string sql_dir;
  std::string pg_bin_dir = "/usr/lib/postgresql/15/bin";
  bool keep = false;
};

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_transform: {}\n", what);
  std::exit(1);
}

template <class T>
T check(gg::result<T> r, const char* what) {
  if (!r) die(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

void check(const gg::status& s, const char* what) {
  if (!s) die(fmt::format("{}: {}", what, s.error().message));
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

using gg::bench::products_of;
using gg::bench::raw_tables;
using gg::bench::traffic_rows;
using gg::bench::write_dim_products;

/// Runs the shipped project once; dies when a model fails. Returns the wall time.
double run_models(const config& cfg, const std::string& conninfo, bool full_refresh) {
  gg::transform::run_options o;
  o.command = gg::transform::run_command::run;
  o.project_dir = fs::path(cfg.sql_dir) / "transform";
  o.conninfo = conninfo;
  o.threads = cfg.threads;
  o.full_refresh = full_refresh;
  o.trigger = "bench";
  const auto t = clock_type::now();
  const auto summary = check(gg::transform::run(o), "transform run");
  const double s = seconds_since(t);
  if (summary.failed()) {
    std::string why;
    for (const auto& r : summary.results) {
      if (r.status != gg::transform::node_status::success) {
        why += fmt::format("\n  {}: {}", r.unique_id, r.message);
      }
    }
    die("the run failed:" + why);
  }
  return s;
}

/// A `retract` model by hand (docs/transform/runs.md): its rows into <table>__contributions
/// (all-NULL grain rows only clear a key, so they are left out), then the table as their sums
/// per unique_key, the summed columns found in the catalog as the runner finds them.
std::string retract_script(const gg::transform::node& n, const std::string& sql) {
  namespace tp = gg::transform;
  tp::relation_name contrib = n.relation;
  contrib.identifier += "__contributions";
  const std::string rel = n.relation.render();
  const std::string crel = contrib.render();
  std::vector<std::string> keys;
  std::vector<std::string> nulls;
  std::vector<std::string> skipped;
  for (const auto& k : n.config.unique_key) {
    keys.push_back(tp::quote_identifier(k));
    nulls.push_back(tp::quote_identifier(k) + " is null");
  }
  auto literal = [](std::string_view v) {
    std::string out = "'";
    for (char c : v) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  for (const auto& k : n.config.unique_key) skipped.push_back(literal(k));
  for (const auto& k : n.config.retract_key) skipped.push_back(literal(k));
  if (n.config.event_time) skipped.push_back(literal(*n.config.event_time));
  if (n.config.load_stamp) skipped.push_back(literal(*n.config.load_stamp));
  std::vector<std::string> rkeys;
  for (const auto& k : n.config.retract_key) rkeys.push_back(tp::quote_identifier(k));
  const std::string key_list = fmt::format("{}", fmt::join(keys, ", "));
  return fmt::format(
      "begin;\ndrop table if exists {0} cascade;\ndrop table if exists {1} cascade;\n"
      "create table {1} as select * from (\n{2}\n) c where not ({3});\n"
      "create index on {1} ({4});\n"
      "do $bench$ declare sums text; nonzero text; begin\n"
      "  select string_agg(format('sum(%1$I) as %1$I', attname), ', ' order by attnum),\n"
      "         string_agg(format('sum(%I) <> 0', attname), ' or ' order by attnum)\n"
      "    into sums, nonzero from pg_attribute\n"
      "   where attrelid = {5}::regclass and attnum > 0 and not attisdropped\n"
      "     and attname not in ({6});\n"
      "  execute format('create table {7} as select {8}, %s from {9} group by {8} having %s',\n"
      "                 sums, nonzero);\n"
      "end $bench$;\n",
      rel, crel, sql, fmt::join(nulls, " and "), fmt::join(rkeys, ", "), literal(crel),
      fmt::join(skipped, ", "), fmt::format("{}", rel), key_list, crel);
}

/// The full refresh as plain SQL: every model's compiled SELECT in DAG order, as CREATE TABLE
/// AS with the model's indexes, one transaction per model.
std::string full_refresh_script(const config& cfg) {
  const auto project =
      check(gg::transform::project::load(fs::path(cfg.sql_dir) / "transform"), "load project");
  // With the session settings the runner uses (no JIT), so the two differ only in how the
  // statements are sent.
  std::string script =
      "\\set ON_ERROR_STOP 1\nset client_min_messages = warning;\nset jit = off;\n";
  for (const auto& n : project.nodes()) {
    if (n.kind != gg::transform::node_kind::model) continue;
    const auto compiled = check(gg::transform::compile(project, n), "compile");
    const std::string rel = n.relation.render();
    if (n.config.incremental_strategy == "retract") {
      script += retract_script(n, compiled.sql);
    } else {
      script +=
          fmt::format("begin;\ndrop table if exists {} cascade;\ncreate table {} as (\n{}\n);\n",
                      rel, rel, compiled.sql);
    }
    for (const auto& idx : n.config.indexes) {
      std::string cols;
      for (const auto& c : idx.columns) cols += (cols.empty() ? "" : ", ") + c;
      script += fmt::format("create {}index on {} ({});\n", idx.unique ? "unique " : "", rel, cols);
    }
    script += "commit;\n";
  }
  return script;
}

double run_psql(const config& cfg, const std::string& conninfo, const fs::path& script) {
  const std::string psql = cfg.pg_bin_dir + "/psql";
  const auto t = clock_type::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(psql.c_str(), "psql", "-X", "-q", "-d", conninfo.c_str(), "-f", script.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) die("psql -f failed");
  return seconds_since(t);
}

/// project::load + compile of every model; returns seconds.
double parse_and_compile(const fs::path& dir) {
  const auto t = clock_type::now();
  const auto project = check(gg::transform::project::load(dir), "load generated project");
  std::size_t compiled = 0;
  for (const auto& n : project.nodes()) {
    if (n.kind != gg::transform::node_kind::model) continue;
    check(gg::transform::compile(project, n), "compile generated model");
    ++compiled;
  }
  const double s = seconds_since(t);
  if (compiled == 0) die("the generated project has no models");
  return s;
}

void exec(gg::pg::connection& conn, const std::string& sql) { check(conn.exec(sql), sql.c_str()); }

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  CLI::App app{"GadgetGrove transform benchmark"};
  app.add_option("--events", cfg.events, "events to generate");
  app.add_option("--runs", cfg.runs, "runs per measurement (the median is reported)");
  app.add_option("--increment-percent", cfg.increment_percent,
                 "new events per refresh, % of --events");
  app.add_option("--models", cfg.models, "models of the generated project (parse + compile)");
  app.add_option("--threads", cfg.threads, "runner threads");
  app.add_option("--days", cfg.days, "days the generated sessions span");
  app.add_option("--work-dir", cfg.work_dir, "scratch directory (default: a new one in /tmp)");
  app.add_option("--conninfo", cfg.conninfo, "an existing, empty database (default: embedded)");
  app.add_option("--sql-dir", cfg.sql_dir, "sql/ of the source tree")->required();
  app.add_option("--pg-bin-dir", cfg.pg_bin_dir, "PostgreSQL binaries (psql, initdb)");
  app.add_flag("--keep", cfg.keep, "keep the scratch directory");
  CLI11_PARSE(app, argc, argv);
  gg::log::set_level(gg::log::level::warn);
  if (cfg.runs < 1 || cfg.events == 0 || cfg.threads == 0)
    die("runs, events and threads must be positive");

  auto db = check(gg::bench::open_scratch_database("gg-bench-transform", cfg.work_dir, cfg.conninfo,
                                                   cfg.pg_bin_dir, cfg.sql_dir),
                  "scratch database");
  const fs::path work = db->work;
  const std::string conninfo = db->conninfo;
  gg::pg::connection& conn = *db->conn;

  // The loader stamps loaded_at with the time of the load. Generated rows arrive in one COPY, so
  // the loads are spread over time as the loader would have made them: each row is stamped a
  // minute after its server_timestamp. A refresh then reprocesses its new rows plus the
  // lookback window (15 minutes of loads), as it would in service.
  exec(conn,
       "create function public.bench_loaded_at() returns trigger language plpgsql as $$ begin "
       "new.loaded_at := new.server_timestamp + interval '1 minute'; return new; end $$");
  for (const auto table : raw_tables) {
    exec(conn, fmt::format("create trigger bench_loaded_at before insert on raw_data.{} for each "
                           "row execute function public.bench_loaded_at()",
                           table));
  }

  constexpr std::uint64_t seed = 20261204;
  const auto catalog = gg::shop::catalog::generate(seed);
  write_dim_products(conn, catalog, seed);
  const auto products = products_of(catalog);

  // Sessions start at a steady pace over --days; the session model averages about 28 events
  // per session with its default profile.
  const gg::sys_us start{std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::sys_days{std::chrono::year{2026} / 10 / 1}.time_since_epoch())};
  const auto expected_sessions = std::max<std::uint64_t>(1, cfg.events / 28);
  const auto gap = std::chrono::microseconds(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::hours(24) * cfg.days)
          .count() /
      static_cast<std::int64_t>(expected_sessions));
  traffic_rows traffic(products, seed, start, gap);

  std::array<gg::pg::connection, 5> copy_conns = {
      check(gg::pg::connection::open(conninfo), "connect"),
      check(gg::pg::connection::open(conninfo), "connect"),
      check(gg::pg::connection::open(conninfo), "connect"),
      check(gg::pg::connection::open(conninfo), "connect"),
      check(gg::pg::connection::open(conninfo), "connect")};
  std::array<gg::pg::connection*, 5> copy_ptrs{};
  for (std::size_t i = 0; i < 5; ++i) copy_ptrs[i] = &copy_conns[i];

  auto t = clock_type::now();
  const auto loaded = traffic.generate(copy_ptrs, cfg.events);
  const double load_s = seconds_since(t);
  exec(conn, "VACUUM ANALYZE");
  fmt::print(
      "{} events in {} sessions of the traffic model over {} days, loaded in {:.1f} s; "
      "runner threads {}; median of {} runs\n",
      loaded, traffic.sessions(), cfg.days, load_s, cfg.threads, cfg.runs);

  // Full refresh by the runner and the same SQL by psql -f, interleaved.
  const fs::path script = work / "full_refresh.sql";
  {
    std::ofstream f(script);
    f << full_refresh_script(cfg);
  }
  std::vector<double> full;
  std::vector<double> psql;
  for (int r = 0; r < cfg.runs; ++r) {
    exec(conn, "CHECKPOINT");
    psql.push_back(run_psql(cfg, conninfo, script));
    exec(conn, "CHECKPOINT");
    full.push_back(run_models(cfg, conninfo, true));
    fmt::print("  run {}: full refresh {:.2f} s, psql -f {:.2f} s\n", r + 1, full.back(),
               psql.back());
  }

  // Refresh after new events: each run loads increment_percent more (new sessions, later).
  std::vector<double> incremental;
  std::vector<std::uint64_t> added;
  run_models(cfg, conninfo, false);  // settle: the first incremental run after a full refresh
  for (int r = 0; r < cfg.runs; ++r) {
    const auto n = std::max<std::uint64_t>(
        1,
        static_cast<std::uint64_t>(static_cast<double>(cfg.events) * cfg.increment_percent / 100));
    added.push_back(traffic.generate(copy_ptrs, n));
    exec(conn, "ANALYZE");
    exec(conn, "CHECKPOINT");
    incremental.push_back(run_models(cfg, conninfo, false));
    fmt::print("  run {}: +{} events, incremental refresh {:.2f} s\n", r + 1, added.back(),
               incremental.back());
  }

  // Parse + compile of a generated project.
  const fs::path generated = work / "generated_project";
  check(gg::transform::write_synthetic_project(generated, cfg.models, 1), "write project");
  std::vector<double> parse;
  for (int r = 0; r < cfg.runs; ++r) parse.push_back(parse_and_compile(generated));

  const double full_s = median(full);
  const double psql_s = median(psql);
  const double inc_s = median(incremental);
  const double parse_s = median(parse);
  fmt::print("\n{:<40} {:>12} {:>22} {:>9} {:>10}\n", "measurement", "ours", "reference", "ratio",
             "goal");
  fmt::print("{:<40} {:>10.2f} s {:>22} {:>9} {:>10}\n",
             fmt::format("full refresh ({} events)", loaded), full_s, "-", "-", "-");
  fmt::print("{:<40} {:>10.2f} s {:>15.2f} s full {:>8.1f}% {:>10}\n",
             fmt::format("refresh after +{:g}% events", cfg.increment_percent), inc_s, full_s,
             100 * inc_s / full_s, "<= 5%");
  fmt::print("{:<40} {:>10.2f} s {:>15.2f} s psql {:>+8.1f}% {:>10}\n",
             "runner vs psql -f (same SQL)", full_s, psql_s, 100 * (full_s - psql_s) / psql_s,
             "<= +5%");
  fmt::print("{:<40} {:>9.1f} ms {:>15.1f} ms goal {:>9.2f} {:>10}\n",
             fmt::format("parse + compile, {} models", cfg.models), parse_s * 1000, 200.0,
             parse_s * 1000 / 200.0, "<= 200 ms");

  check(db->close(cfg.keep), "stop PostgreSQL");
  return 0;
}
