#include "model_fixture.hpp"

#include <gadgetgrove/transform/node_result.hpp>
#include <gadgetgrove/transform/runner.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace gg::test::models {
namespace {

constexpr std::string_view raw_tables[] = {"page_views", "user_events", "ecommerce_events",
                                           "analytics_events", "event_queue"};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const auto tab = line.find('\t', from);
    out.push_back(line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
    if (tab == std::string::npos) return out;
    from = tab + 1;
  }
}

std::optional<std::string> null_if_empty(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string summary_text(const gg::transform::run_summary& summary) {
  std::ostringstream out;
  for (const auto& r : summary.results) {
    out << r.unique_id << ": " << gg::transform::to_string(r.status);
    if (!r.message.empty()) out << " — " << r.message;
    out << '\n';
  }
  return out.str();
}

}  // namespace

std::filesystem::path project_dir() {
  return gg::test::pg_migrations_dir().parent_path() / "transform";
}

std::vector<raw_event> read_events(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) FAIL("cannot read " << file);
  std::vector<raw_event> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto f = split_tabs(line);
    if (f.size() != 10) FAIL(file << ":" << line_no << ": expected 10 fields, got " << f.size());
    raw_event e;
    e.table = f[0];
    e.event_id = f[1];
    e.type = null_if_empty(f[2]);
    e.event = null_if_empty(f[3]);
    e.timestamp = f[4];
    e.session_id = null_if_empty(f[5]);
    e.user_id = null_if_empty(f[6]);
    e.path = null_if_empty(f[7]);
    e.properties = f[8];
    e.is_bot = f[9] == "t";
    out.push_back(std::move(e));
  }
  return out;
}

std::size_t load(gg::pg::connection& conn, const std::vector<raw_event>& events,
                 const std::string& loaded_at_sql) {
  if (auto s = conn.begin(); !s) FAIL(s.error().message);
  const std::size_t inserted = insert_events(conn, events, loaded_at_sql);
  if (auto s = conn.commit(); !s) FAIL(s.error().message);
  return inserted;
}

std::size_t insert_events(gg::pg::connection& conn, const std::vector<raw_event>& events,
                          const std::string& loaded_at_sql) {
  std::size_t inserted = 0;
  for (const auto& e : events) {
    bool known = false;
    for (auto t : raw_tables) known = known || t == e.table;
    if (!known) FAIL("not a raw table: " << e.table);
    // The table name is one of the five above; every value is a bound parameter.
    const std::string sql =
        "insert into raw_data." + e.table +
        " (event_id, type, event, \"timestamp\", server_timestamp, session_id, user_id, path,"
        " properties, queue_name, is_bot, loaded_at)"
        " values ($1::uuid, $2, $3, $4::timestamptz, $4::timestamptz, $5, $6, $7, $8::jsonb, $9,"
        " $10::boolean, " +
        loaded_at_sql + ") on conflict (event_id) do nothing";
    auto r = conn.exec(sql, e.event_id, e.type, e.event, e.timestamp, e.session_id, e.user_id,
                       e.path, e.properties, e.table, e.is_bot);
    if (!r) FAIL(r.error().message);
    inserted += r->affected_rows();
  }
  return inserted;
}

void load_products(gg::pg::connection& conn) {
  auto r = conn.exec(
      "insert into analytics.dim_products (product_id, name, brand, category, price, color,"
      " rating, in_stock, catalog_seed) values"
      " ('p1', 'Phone', 'Acme', 'Phones', 20.00, 'black', 4.5, true, 1),"
      " ('p2', 'Cable', 'Wireco', 'Accessories', 9.99, 'white', 4.0, true, 1),"
      " ('p3', 'Speaker', 'Boom', 'Audio', 30.50, 'red', 3.5, true, 1)");
  if (!r) FAIL(r.error().message);
}

gg::transform::run_summary run_project(const gg::test::pg_database& db,
                                       gg::transform::run_command command, bool full_refresh,
                                       const std::string& vars) {
  gg::transform::run_options o;
  o.command = command;
  o.project_dir = project_dir();
  o.conninfo = db.conninfo();
  o.threads = 2;
  o.full_refresh = full_refresh;
  o.vars = vars;
  o.trigger = "test";
  auto summary = gg::transform::run(o);
  if (!summary) FAIL("the run did not start: " << summary.error().message);
  return std::move(*summary);
}

void run_models(const gg::test::pg_database& db, bool full_refresh, const std::string& vars) {
  const auto summary = run_project(db, gg::transform::run_command::run, full_refresh, vars);
  INFO(summary_text(summary));
  REQUIRE(summary.results.size() == model_relations().size());
  REQUIRE(summary.count(gg::transform::node_status::success) == model_relations().size());
}

std::vector<std::string> rows(gg::pg::connection& conn, const std::string& sql) {
  auto r = conn.exec(sql);
  if (!r) FAIL(sql << ": " << r.error().message);
  std::vector<std::string> out;
  for (int i = 0; i < r->rows(); ++i) {
    std::string row;
    for (int c = 0; c < r->cols(); ++c) {
      if (c > 0) row += '|';
      row += r->is_null(i, c) ? std::string("∅") : std::string(r->get(i, c));
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string scalar(gg::pg::connection& conn, const std::string& sql) {
  auto r = rows(conn, sql);
  if (r.size() != 1) FAIL(sql << ": expected one row, got " << r.size());
  return r.front();
}

const std::vector<std::string>& model_relations() {
  static const std::vector<std::string> relations = {"staging.stg_page_views",
                                                     "staging.stg_user_events",
                                                     "staging.stg_ecommerce_events",
                                                     "staging.stg_analytics_events",
                                                     "staging.stg_event_queue",
                                                     "staging.int_product_events",
                                                     "staging.int_product_daily",
                                                     "staging.int_session_days",
                                                     "staging.int_user_cohort_weeks",
                                                     "analytics.session_summary",
                                                     "analytics.daily_metrics",
                                                     "analytics.funnel_analysis",
                                                     "analytics.product_performance",
                                                     "analytics.user_cohort_analysis",
                                                     "analytics.dashboard_sessions",
                                                     "analytics.dashboard_page_views",
                                                     "analytics.dashboard_session_products",
                                                     "analytics.dashboard_daily",
                                                     "analytics.dashboard_daily_sources",
                                                     "analytics.dashboard_daily_pages",
                                                     "analytics.dashboard_daily_filtered",
                                                     "analytics.dashboard_session_filters",
                                                     "analytics.dashboard_filtered_pages",
                                                     "analytics.dashboard_filtered_products",
                                                     "analytics.dashboard_filtered_sources",
                                                     "analytics.dashboard_filtered_cohorts"};
  return relations;
}

}  // namespace gg::test::models
