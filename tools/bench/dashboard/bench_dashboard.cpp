// Dashboard benchmark: the panels of GET /api/dashboard/<panel> (src/dashboard's panel reader,
// the code behind the routes) over the dashboard models, on generated shop traffic.
//   ours        read_panel() on one connection: p50 and p95 of --iterations runs per panel,
//               range (the last 7, 30 and 365 days of the data) and filter (none, then each
//               --filter kind: product = the most viewed product, category = its category,
//               outcome = purchase, page = "/", source = the biggest source)
//   reference   the same numbers computed the way the original dashboard did: its dbt models
//               as views straight over raw_data.* (here: the shipped models compiled as views
//               in schema "reference"), queried per panel, filtered like ours; median of
//               --reference-runs. live and health read the raw tables in both designs and have
//               no reference; the reference filters by product only, so the other filter kinds
//               have none either.
// --keep leaves the scratch directory (cluster and data) behind; --reuse with --work-dir of
// such a directory skips generating and loading the events (the models still run, so changed
// models are measured).
// Events come from the traffic session model through the loader's COPY encoder
// (tools/bench/support/traffic_rows.hpp, shared with the transform benchmark).

#include "panel_reader.hpp"
#include "project/compiler.hpp"
#include "project/project.hpp"

#include "scratch_database.hpp"
#include "traffic_rows.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/transform/node_result.hpp>
#include <gadgetgrove/transform/runner.hpp>
#include "dashboard_query.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace dash = gg::dashboard;
using clock_type = std::chrono::steady_clock;
using gg::bench::bench_check;
using gg::bench::bench_die;

struct config {
  std::uint64_t events = 5'000'000;
  int days = 400;
  int iterations = 30;
  int reference_runs = 1;
  int reference_timeout_s = 30;
  std::string filter = "product";
  bool reuse = false;
  bool skip_models = false;
  unsigned threads = 2;
  std::string work_dir;
  std::string conninfo;
  std::string sql_dir;
  std::string pg_bin_dir = "/usr/lib/postgresql/15/bin";
  bool keep = false;
};

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void exec(gg::pg::connection& conn, const std::string& sql) {
  bench_check(conn.exec(sql), sql.substr(0, 80).c_str());
}

std::string scalar(gg::pg::connection& conn, const std::string& sql) {
  auto r = bench_check(conn.exec(sql), sql.substr(0, 80).c_str());
  if (r.rows() != 1 || r.is_null(0, 0)) bench_die("no value: " + sql);
  return std::string(r.get(0, 0));
}

double run_models(const config& cfg, const std::string& conninfo) {
  gg::transform::run_options o;
  o.command = gg::transform::run_command::run;
  o.project_dir = fs::path(cfg.sql_dir) / "transform";
  o.conninfo = conninfo;
  o.threads = cfg.threads;
  o.full_refresh = true;
  o.trigger = "bench";
  const auto t = clock_type::now();
  const auto summary = bench_check(gg::transform::run(o), "transform run");
  const double ms = ms_since(t);
  if (summary.failed()) {
    std::string why;
    for (const auto& r : summary.results) {
      if (r.status != gg::transform::node_status::success) {
        why += fmt::format("\n  {}: {}", r.unique_id, r.message);
      }
    }
    bench_die("the run failed:" + why);
  }
  return ms;
}

// The shipped models as views in schema "reference", each reading the others' views: the
// original's all-views dbt project, over the same raw tables.
void create_reference_views(const config& cfg, gg::pg::connection& conn) {
  const auto project = bench_check(
      gg::transform::project::load(fs::path(cfg.sql_dir) / "transform"), "load project");
  std::vector<std::pair<std::string, std::string>> renames;
  for (const auto& n : project.nodes()) {
    if (n.kind != gg::transform::node_kind::model) continue;
    renames.emplace_back(n.relation.render(),
                         "\"reference\"." + gg::transform::quote_identifier(n.relation.identifier));
  }
  exec(conn, "drop schema if exists reference cascade");
  exec(conn, "create schema reference");
  for (const auto& n : project.nodes()) {
    if (n.kind != gg::transform::node_kind::model) continue;
    auto sql = bench_check(gg::transform::compile(project, n), "compile").sql;
    for (const auto& [from, to] : renames) {
      for (auto at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size())) {
        sql.replace(at, from.size(), to);
      }
    }
    exec(conn, "create view \"reference\"." +
                   gg::transform::quote_identifier(n.relation.identifier) + " as " + sql);
  }
}

// Reference statements: $1 start, $2 end, $3 previous start, $4 product filter (or NULL; the
// reference filters by product only, the filter every panel supports the same way).
const char* const params_cte =
    "with p as (select $1::date as d1, $2::date as d2, $3::date as d0, $4::text as product) ";

std::string ref_sessions(const std::string& from, const std::string& to, bool filtered) {
  std::string sql =
      "(select s.* from reference.session_summary s, p where s.session_date between " + from +
      " and " + to;
  if (filtered) {
    sql +=
        " and s.session_id in (select e.session_id from reference.int_product_events e, p "
        "where e.product_id = p.product and e.action = 'product_view')";
  }
  return sql + ")";
}

std::optional<std::string> reference_sql(dash::panel which, bool filtered) {
  using dash::panel;
  const std::string P = params_cte;
  switch (which) {
    case panel::kpis:
      if (!filtered) {
        return P +
               "select sum(total_sessions) filter (where date >= p.d1), sum(purchasing_sessions) "
               "filter (where date >= p.d1), sum(total_revenue) filter (where date >= p.d1), "
               "sum(purchase_events) filter (where date >= p.d1), sum(total_sessions) filter "
               "(where date < p.d1), sum(purchasing_sessions) filter (where date < p.d1), "
               "sum(total_revenue) filter (where date < p.d1), sum(purchase_events) filter "
               "(where date < p.d1) from reference.daily_metrics, p where date between p.d0 and "
               "p.d2 group by p.d1";
      }
      return P +
             "select count(*) filter (where s.session_date >= p.d1), count(s.transaction_id) "
             "filter (where s.session_date >= p.d1), sum(s.purchase_value) filter (where "
             "s.session_date >= p.d1), sum(s.purchases) filter (where s.session_date >= p.d1), "
             "count(*) filter (where s.session_date < p.d1) from " +
             ref_sessions("p.d0", "p.d2", filtered) + " s, p group by p.d1";
    case panel::daily:
      if (!filtered) {
        return P +
               "select date, total_sessions, total_revenue, purchase_events from "
               "reference.daily_metrics, p where date between p.d0 and p.d2 order by date";
      }
      return P + "select s.session_date, count(*), sum(s.purchase_value), sum(s.purchases) from " +
             ref_sessions("p.d0", "p.d2", filtered) + " s group by 1 order by 1";
    case panel::outcomes:
      return P +
             "select s.session_outcome, count(*) filter (where s.session_date >= p.d1), "
             "count(*) filter (where s.session_date < p.d1) from " +
             ref_sessions("p.d0", "p.d2", filtered) + " s, p group by 1";
    case panel::funnel:
      if (!filtered) {
        return P +
               "select sum(total_sessions), sum(browse_sessions), sum(product_sessions), "
               "sum(cart_sessions), sum(purchase_sessions) from reference.funnel_analysis, p "
               "where date between p.d1 and p.d2";
      }
      return P +
             "select count(*), count(*) filter (where total_page_views > 1 or product_views > "
             "0 or cart_adds > 0 or transaction_id is not null), count(*) filter (where "
             "product_views > 0 or cart_adds > 0 or transaction_id is not null), count(*) "
             "filter (where cart_adds > 0 or transaction_id is not null), "
             "count(transaction_id) from " +
             ref_sessions("p.d1", "p.d2", filtered) + " s";
    case panel::products:
      if (!filtered) {
        return P +
               "select d.product_id, dp.name, sum(d.revenue) as r, sum(d.units_sold), "
               "sum(d.views) from reference.int_product_daily d left join "
               "analytics.dim_products dp on dp.product_id = d.product_id, p where "
               "d.fact_date between p.d1 and p.d2 group by 1, 2 order by r desc, 2 limit 10";
      }
      return P +
             "select e.product_id, sum(e.revenue) as r, sum(e.quantity) filter (where "
             "e.action = 'purchase'), count(*) filter (where e.action = 'product_view') from "
             "reference.int_product_events e where e.session_id in (select session_id from " +
             ref_sessions("p.d1", "p.d2", filtered) +
             " s) group by 1 order by r desc nulls last, 1 limit 10";
    case panel::cohorts:
      if (!filtered) {
        return P +
               "select * from reference.user_cohort_analysis, p where cohort_date between p.d1 "
               "and p.d2 and weeks_since_first_visit <= 8";
      }
      return P + ", s as " + ref_sessions("date '1900-01-01'", "p.d2 + 62", filtered) +
             ", f as (select user_id, min(session_date) as c from s where user_id is not null "
             "group by 1) select f.c, (s.session_date - f.c) / 7 as w, count(distinct s.user_id) "
             "from s join f using (user_id), p where f.c between p.d1 and p.d2 group by 1, 2 "
             "having (s.session_date - f.c) / 7 <= 8";
    case panel::pages:
      return P +
             ", v as (select pv.path, (pv.event_at at time zone 'UTC')::date as day, "
             "coalesce(pv.user_id, 'session:' || pv.session_id) as visitor, row_number() over w "
             "as n, count(*) over (partition by pv.session_id) as c from "
             "reference.stg_page_views pv where not pv.is_bot and pv.path is not null and "
             "pv.session_id in (select session_id from " +
             ref_sessions("p.d1 - 1", "p.d2", filtered) +
             " s) window w as (partition by pv.session_id order by pv.event_at, pv.loaded_at, "
             "pv.event_id)) select path, count(*) as views, count(distinct (day, visitor)), "
             "count(*) filter (where n = 1), count(*) filter (where n = c) from v, p where day "
             "between p.d1 and p.d2 group by path order by views desc, path limit 20";
    case panel::sources:
      return P + ", s as " + ref_sessions("p.d1", "p.d2", filtered) +
             ", l as (select distinct on (session_id) session_id, url, referrer from "
             "reference.stg_page_views where not is_bot and session_id in (select session_id from "
             "s) order by session_id, event_at, loaded_at, event_id) select coalesce(nullif(lower("
             "substring(l.url from '[?&]utm_source=([^&#]+)')), ''), nullif(regexp_replace(lower("
             "substring(l.referrer from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)')), "
             "'^www\\.', ''), ''), '(direct)') as src, count(*) as n, count(distinct "
             "(s.session_date, coalesce(s.user_id, 'session:' || s.session_id))) from s left join "
             "l using (session_id) group by 1 order by n desc, 1 limit 20";
    case panel::live:
    case panel::health:
      return std::nullopt;
  }
  return std::nullopt;
}

struct row {
  std::string panel;
  int days;
  std::string filter;  // "-" or kind=value
  double p50;
  double p95;
  std::optional<double> reference;
  bool reference_timed_out = false;
};

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  CLI::App app{"GadgetGrove dashboard benchmark"};
  app.add_option("--events", cfg.events, "events to generate");
  app.add_option("--days", cfg.days, "days the generated sessions span (>= 365 for the year)");
  app.add_option("--iterations", cfg.iterations, "timed runs per panel, range and filter");
  app.add_option("--reference-runs", cfg.reference_runs, "runs of each reference query");
  app.add_option("--reference-timeout", cfg.reference_timeout_s,
                 "seconds after which a reference query is cancelled (reported as > it)");
  app.add_option("--filter", cfg.filter,
                 "filter kinds, comma-separated: product,category,outcome,page,source or all");
  app.add_option("--threads", cfg.threads, "runner threads for the models");
  app.add_option("--work-dir", cfg.work_dir, "scratch directory (default: a new one in /tmp)");
  app.add_option("--conninfo", cfg.conninfo, "an existing, empty database (default: embedded)");
  app.add_option("--sql-dir", cfg.sql_dir, "sql/ of the source tree")->required();
  app.add_option("--pg-bin-dir", cfg.pg_bin_dir, "PostgreSQL binaries (initdb, pg_ctl)");
  app.add_flag("--keep", cfg.keep, "keep the scratch directory");
  app.add_flag("--reuse", cfg.reuse, "--work-dir holds a kept run's events: do not generate any");
  app.add_flag("--skip-models", cfg.skip_models,
               "with --reuse: time the kept run's model tables as they are");
  CLI11_PARSE(app, argc, argv);
  gg::log::set_level(gg::log::level::warn);
  if (cfg.iterations < 1 || cfg.reference_runs < 0 || cfg.events == 0 || cfg.days < 1) {
    bench_die("iterations, events and days must be positive");
  }
  if (cfg.reuse && cfg.work_dir.empty()) bench_die("--reuse needs the --work-dir of a kept run");
  if (cfg.skip_models && !cfg.reuse) bench_die("--skip-models needs --reuse");
  std::vector<std::string> kinds;
  if (cfg.filter == "all") cfg.filter = "product,category,outcome,page,source";
  for (std::size_t at = 0; at <= cfg.filter.size();) {
    const auto comma = std::min(cfg.filter.find(',', at), cfg.filter.size());
    const std::string kind = cfg.filter.substr(at, comma - at);
    if (kind != "product" && kind != "category" && kind != "outcome" && kind != "page" &&
        kind != "source") {
      bench_die("--filter: product, category, outcome, page, source (comma-separated) or all");
    }
    kinds.push_back(kind);
    at = comma + 1;
  }

  auto db = bench_check(gg::bench::open_scratch_database("gg-bench-dashboard", cfg.work_dir,
                                                         cfg.conninfo, cfg.pg_bin_dir, cfg.sql_dir),
                        "scratch database");
  const std::string conninfo = db->conninfo;
  gg::pg::connection& conn = *db->conn;

  constexpr std::uint64_t seed = 20261205;
  const auto catalog = gg::shop::catalog::generate(seed);
  const auto products = gg::bench::products_of(catalog);
  if (!cfg.reuse) {
    // Rows are stamped as loaded a minute after they were received, as the loader would have.
    exec(conn,
         "create function public.bench_loaded_at() returns trigger language plpgsql as $$ begin "
         "new.loaded_at := new.server_timestamp + interval '1 minute'; return new; end $$");
    for (const auto table : gg::bench::raw_tables) {
      exec(conn, fmt::format("create trigger bench_loaded_at before insert on raw_data.{} for "
                             "each row execute function public.bench_loaded_at()",
                             table));
    }
    gg::bench::write_dim_products(conn, catalog, seed);
  }

  // Sessions start at a steady pace over --days ending 2026-11-30; the session model averages
  // about 28 events per session.
  const auto last_day = gg::days_from_civil(2026, 11, 30);
  const gg::sys_us start{std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::sys_days{std::chrono::days{last_day - cfg.days + 1}}.time_since_epoch())};
  const auto expected_sessions = std::max<std::uint64_t>(1, cfg.events / 28);
  const auto gap = std::chrono::microseconds(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::hours(24) * cfg.days)
          .count() /
      static_cast<std::int64_t>(expected_sessions));
  gg::bench::traffic_rows traffic(products, seed, start, gap);
  std::array<gg::pg::connection, 5> copy_conns = {
      bench_check(gg::pg::connection::open(conninfo), "connect"),
      bench_check(gg::pg::connection::open(conninfo), "connect"),
      bench_check(gg::pg::connection::open(conninfo), "connect"),
      bench_check(gg::pg::connection::open(conninfo), "connect"),
      bench_check(gg::pg::connection::open(conninfo), "connect")};
  std::array<gg::pg::connection*, 5> copy_ptrs{};
  for (std::size_t i = 0; i < 5; ++i) copy_ptrs[i] = &copy_conns[i];
  auto t = clock_type::now();
  std::uint64_t loaded = 0;
  if (cfg.reuse) {
    std::string count;
    for (const auto table : gg::bench::raw_tables) {
      count += (count.empty() ? "select " : " + ") +
               fmt::format("(select count(*) from raw_data.{})", table);
    }
    loaded = std::stoull(scalar(conn, count));
    if (loaded == 0) bench_die("--reuse: " + cfg.work_dir + " holds no events");
  } else {
    loaded = traffic.generate(copy_ptrs, cfg.events);
  }
  const double load_ms = ms_since(t);
  exec(conn, "VACUUM ANALYZE");
  const double models_ms = cfg.skip_models ? 0.0 : run_models(cfg, conninfo);
  exec(conn, "ANALYZE");
  create_reference_views(cfg, conn);
  const auto data_end = gg::dashboard::parse_day(
      scalar(conn, "select max(session_date)::text from analytics.dashboard_sessions"));
  if (!data_end) bench_die("no sessions");
  fmt::print(
      "{} events over {} days (to {}), {} in {:.1f} s; models {} {:.1f} s; {} sessions in "
      "analytics.dashboard_sessions\n",
      loaded, cfg.days, dash::format_day(*data_end), cfg.reuse ? "reused" : "generated and loaded",
      load_ms / 1000,
      cfg.skip_models ? "not run" : fmt::format("(full refresh, {} threads)", cfg.threads),
      models_ms / 1000, scalar(conn, "select count(*) from analytics.dashboard_sessions"));

  const auto top_product =
      scalar(conn,
             "select product_id from analytics.product_performance order by views desc, "
             "product_id limit 1");
  // (label, filters): none first, then one per --filter kind.
  std::vector<std::pair<std::string, dash::dashboard_filters>> filters{{"-", {}}};
  for (const auto& kind : kinds) {
    dash::dashboard_filters f;
    std::string value;
    if (kind == "product") {
      value = top_product;
      f.product = value;
    } else if (kind == "category") {
      value = scalar(conn,
                     "select product_category from analytics.product_performance "
                     "order by views desc, product_id limit 1");
      f.category = value;
    } else if (kind == "outcome") {
      value = "purchase";
      f.outcome = value;
    } else if (kind == "page") {
      value = "/";
      f.page = value;
    } else {
      value = scalar(conn,
                     "select source from analytics.dashboard_daily_sources group by "
                     "source order by sum(sessions) desc, source limit 1");
      f.source = value;
    }
    filters.emplace_back(kind + "=" + value, f);
  }
  fmt::print("filters:");
  for (std::size_t i = 1; i < filters.size(); ++i) fmt::print(" {}", filters[i].first);
  fmt::print(" (the reference filters by product={} only)\n\n", top_product);

  constexpr std::array<dash::panel, 10> panels{
      dash::panel::kpis,     dash::panel::daily,   dash::panel::outcomes, dash::panel::funnel,
      dash::panel::products, dash::panel::cohorts, dash::panel::pages,    dash::panel::sources,
      dash::panel::live,     dash::panel::health};
  constexpr std::array<const char*, 10> names{"kpis",    "daily", "outcomes", "funnel", "products",
                                              "cohorts", "pages", "sources",  "live",   "health"};
  std::vector<row> rows;
  const std::function<std::vector<dash::flow_health>()> no_flows;
  for (std::size_t pi = 0; pi < panels.size(); ++pi) {
    for (const int days : {7, 30, 365}) {
      for (const auto& [label, f] : filters) {
        const bool filtered = f.any();
        dash::dashboard_query q;
        q.range = {*data_end - days + 1, *data_end};
        q.previous = {q.range.start - days, q.range.start - 1};
        q.filters = f;
        dash::panel_context ctx{gg::now_us(), "UTC", &no_flows};
        bench_check(dash::read_panel(conn, panels[pi], q, ctx), "warm-up");
        std::vector<double> ms;
        for (int i = 0; i < cfg.iterations; ++i) {
          const auto t0 = clock_type::now();
          bench_check(dash::read_panel(conn, panels[pi], q, ctx), names[pi]);
          ms.push_back(ms_since(t0));
        }
        row r{names[pi], days, label, percentile(ms, 0.5), percentile(ms, 0.95), std::nullopt};
        const bool comparable = !filtered || f.product.has_value();
        if (auto sql = reference_sql(panels[pi], filtered);
            sql && comparable && cfg.reference_runs > 0) {
          const std::string d1 = dash::format_day(q.range.start);
          const std::string d2 = dash::format_day(q.range.end);
          const std::string d0 = dash::format_day(q.previous.start);
          const std::optional<std::string> product =
              filtered ? std::optional<std::string>(top_product) : std::nullopt;
          std::vector<double> ref;
          exec(conn, fmt::format("set statement_timeout = '{}s'", cfg.reference_timeout_s));
          for (int i = 0; i < cfg.reference_runs; ++i) {
            const auto t0 = clock_type::now();
            auto res = conn.exec(*sql, d1, d2, d0, product);
            if (!res && res.error().code != gg::errc::timeout && res.error().sqlstate != "57014") {
              bench_die(std::string(names[pi]) + " reference: " + res.error().message);
            }
            ref.push_back(res ? ms_since(t0) : cfg.reference_timeout_s * 1000.0);
            if (!res) r.reference_timed_out = true;
          }
          exec(conn, "set statement_timeout = 0");
          r.reference = percentile(ref, 0.5);
        }
        const char* more = r.reference_timed_out ? ">" : "";
        fmt::print("{:<9} {:>4} d {:<22} p50 {:>8.2f} ms  p95 {:>8.2f} ms  reference {:>10}  {}\n",
                   r.panel, r.days, r.filter, r.p50, r.p95,
                   r.reference ? fmt::format("{}{:.0f} ms", more, *r.reference) : std::string("-"),
                   r.reference
                       ? fmt::format("{}x{:.0f}", more, *r.reference / std::max(r.p50, 0.001))
                       : std::string(""));
        std::fflush(stdout);
        rows.push_back(r);
      }
    }
  }
  double worst = 0;
  std::string worst_at;
  int over = 0;
  for (const auto& r : rows) {
    if (r.p95 > 50) ++over;
    if (r.p95 > worst) {
      worst = r.p95;
      worst_at = fmt::format("{} {} d {}", r.panel, r.days, r.filter);
    }
  }
  fmt::print("\nworst p95: {:.2f} ms ({}); goal <= 50 ms; {} of {} rows over it\n", worst, worst_at,
             over, rows.size());
  bench_check(db->close(cfg.keep), "stop PostgreSQL");
  return 0;
}
