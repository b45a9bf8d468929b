#include "panel_reader.hpp"

#include "bound_params.hpp"
#include "json_writer.hpp"

#include <array>
#include <map>

namespace gg::dashboard {
namespace {

using std::int64_t;

// A timestamptz expression as ISO 8601 UTC with microseconds, as the rest of the API writes
// times (core/time.hpp's format_iso8601_us).
std::string iso(std::string_view expr) {
  return "to_char((" + std::string(expr) +
         ") at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

std::string day_param(bound_params& b, int64_t day) { return b.add(format_day(day), "date"); }

std::string time_param(bound_params& b, sys_us t) {
  return b.add(format_iso8601_us(t), "timestamptz");
}

// The condition "column in [from, to]" (from absent: up to `to`) with fresh placeholders.
std::string day_condition(bound_params& b, std::string_view column, std::optional<int64_t> from,
                          int64_t to) {
  if (!from) return std::string(column) + " <= " + day_param(b, to);
  return std::string(column) + " between " + day_param(b, *from) + " and " + day_param(b, to);
}

// The dashboard_sessions rows (alias-free columns) whose day is in [from, to] and that pass
// the filters. A product, category or page filter goes through the fact tables' indexes led
// by the filtered column, limited to the same days.
std::string sessions_sql(bound_params& b, const dashboard_filters& f, std::optional<int64_t> from,
                         int64_t to) {
  std::string sql =
      "select s.session_id, s.session_date, s.visitor_id, s.user_id, s.session_outcome, "
      "s.source, s.funnel_stage, s.orders, s.revenue from analytics.dashboard_sessions s where " +
      day_condition(b, "s.session_date", from, to);
  if (f.outcome) sql += " and s.session_outcome = " + b.add(*f.outcome, "text");
  if (f.source) sql += " and s.source = " + b.add(*f.source, "text");
  if (f.product) {
    sql +=
        " and s.session_id in (select sp.session_id from analytics.dashboard_session_products"
        " sp where sp.product_id = " +
        b.add(*f.product, "text") + " and sp.views > 0 and " +
        day_condition(b, "sp.session_date", from, to) + ")";
  }
  if (f.category) {
    sql +=
        " and s.session_id in (select sp.session_id from analytics.dashboard_session_products"
        " sp where sp.product_category = " +
        b.add(*f.category, "text") + " and sp.views > 0 and " +
        day_condition(b, "sp.session_date", from, to) + ")";
  }
  if (f.page) {
    sql +=
        " and s.session_id in (select pv.session_id from analytics.dashboard_page_views pv"
        " where pv.path = " +
        b.add(*f.page, "text") + " and " + day_condition(b, "pv.session_date", from, to) + ")";
  }
  return sql;
}

// The one filter applied, as (dimension, value) of the dashboard_filtered_* tables; nothing
// when no filter or more than one applies.
std::optional<std::pair<std::string, std::string>> single_filter(const dashboard_filters& f) {
  std::optional<std::pair<std::string, std::string>> one;
  int n = 0;
  for (const auto& [name, value] :
       {std::pair{"product", &f.product}, std::pair{"category", &f.category},
        std::pair{"outcome", &f.outcome}, std::pair{"page", &f.page},
        std::pair{"source", &f.source}}) {
    if (!*value) continue;
    ++n;
    one.emplace(name, **value);
  }
  if (n != 1) return std::nullopt;
  return one;
}

// The condition selecting the one filter's rows of a dashboard_filtered_* table.
std::string filter_condition(bound_params& b, const std::pair<std::string, std::string>& one) {
  return "dimension = " + b.add(one.first, "text") + " and value = " + b.add(one.second, "text");
}

// Per day (column day) and outcome: sessions, sessions per funnel stage, orders, revenue.
// Without a product, category or page filter, a range of the per-day table dashboard_daily;
// with one of them (and at most an outcome besides), a range of dashboard_daily_filtered;
// otherwise one row per filtered session.
std::string facts_sql(bound_params& b, const dashboard_filters& f, int64_t from, int64_t to) {
  const int membership_filters = (f.product ? 1 : 0) + (f.category ? 1 : 0) + (f.page ? 1 : 0);
  if (membership_filters == 1 && !f.source) {
    const auto& [dimension, value] = f.product    ? std::pair{"product", *f.product}
                                     : f.category ? std::pair{"category", *f.category}
                                                  : std::pair{"page", *f.page};
    std::string sql =
        "select d.date as day, d.session_outcome, d.sessions, d.browse_sessions, "
        "d.product_sessions, d.cart_sessions, d.purchase_sessions, d.orders, d.revenue "
        "from analytics.dashboard_daily_filtered d where d.dimension = " +
        b.add(dimension, "text") + " and d.value = " + b.add(value, "text") + " and " +
        day_condition(b, "d.date", from, to);
    if (f.outcome) sql += " and d.session_outcome = " + b.add(*f.outcome, "text");
    return sql;
  }
  if (membership_filters == 0) {
    std::string sql =
        "select d.date as day, d.session_outcome, d.sessions, d.browse_sessions, "
        "d.product_sessions, d.cart_sessions, d.purchase_sessions, d.orders, d.revenue "
        "from analytics.dashboard_daily d where " +
        day_condition(b, "d.date", from, to);
    if (f.outcome) sql += " and d.session_outcome = " + b.add(*f.outcome, "text");
    if (f.source) sql += " and d.source = " + b.add(*f.source, "text");
    return sql;
  }
  return "select s.session_date as day, s.session_outcome, 1 as sessions, "
         "(s.funnel_stage >= 2)::int as browse_sessions, "
         "(s.funnel_stage >= 3)::int as product_sessions, "
         "(s.funnel_stage >= 4)::int as cart_sessions, "
         "(s.funnel_stage >= 5)::int as purchase_sessions, s.orders, s.revenue from (" +
         sessions_sql(b, f, from, to) + ") s";
}

gg::result<pg::query_result> run(pg::connection& conn, const std::string& sql,
                                 const bound_params& b) {
  const auto values = b.values();
  return conn.exec(sql, values);
}

int64_t int_at(const pg::query_result& r, int row, int col) {
  if (r.is_null(row, col)) return 0;
  auto v = r.get_int64(row, col);
  return v ? *v : 0;
}

std::optional<double> ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<std::string> text_at(const pg::query_result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return std::string(r.get(row, col));
}

void decimal_or_null(json_writer& w, const pg::query_result& r, int row, int col) {
  if (r.is_null(row, col)) {
    w.null();
  } else {
    w.decimal(r.get(row, col));
  }
}

// --- the panels: each writes its members into the open response object ------------------

gg::status kpis(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  std::array<int64_t, 6> counts{};  // sessions, purchasing, orders; then the previous period
  std::array<std::string, 2> revenue{"0.00", "0.00"};
  std::array<std::optional<std::string>, 2> aov;
  if (ready) {
    bound_params b;
    const std::string facts = facts_sql(b, q.filters, q.previous.start, q.range.end);
    const std::string cur = "day >= " + day_param(b, q.range.start);
    const std::string prev = "day < " + day_param(b, q.range.start);
    auto sums = [](const std::string& period) {
      return "coalesce(sum(sessions) filter (where " + period + "), 0)::bigint, " +
             "coalesce(sum(purchase_sessions) filter (where " + period + "), 0)::bigint, " +
             "coalesce(sum(orders) filter (where " + period + "), 0)::bigint, " +
             "coalesce(sum(revenue) filter (where " + period + "), 0)::numeric";
    };
    const std::string sql =
        "with f as (" + facts +
        "), t (sessions, purchasing, orders, revenue, p_sessions, p_purchasing, p_orders, "
        "p_revenue) as (select " +
        sums(cur) + ", " + sums(prev) +
        " from f) select sessions, purchasing, orders, p_sessions, p_purchasing, p_orders, "
        "round(revenue, 2), round(revenue / nullif(orders, 0), 2), round(p_revenue, 2), "
        "round(p_revenue / nullif(p_orders, 0), 2) from t";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < 6; ++i) counts[static_cast<std::size_t>(i)] = int_at(*r, 0, i);
    revenue = {std::string(r->get(0, 6)), std::string(r->get(0, 8))};
    aov = {text_at(*r, 0, 7), text_at(*r, 0, 9)};
  }
  w.key("kpis").open_object();
  w.key("total_sessions").open_object().key("value").integer(counts[0]);
  w.key("previous").integer(counts[3]).close_object();
  w.key("conversion_rate").open_object().key("value").optional_number(ratio(counts[1], counts[0]));
  w.key("previous").optional_number(ratio(counts[4], counts[3])).close_object();
  w.key("total_revenue").open_object().key("value").decimal(revenue[0]);
  w.key("previous").decimal(revenue[1]).close_object();
  w.key("avg_order_value").open_object().key("value");
  aov[0] ? w.decimal(*aov[0]) : w.null();
  w.key("previous");
  aov[1] ? w.decimal(*aov[1]) : w.null();
  w.close_object();
  w.close_object();
  return {};
}

gg::status daily(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  struct day_sums {
    int64_t sessions = 0;
    int64_t orders = 0;
    std::string revenue = "0.00";
  };
  std::map<int64_t, day_sums> by_day;
  if (ready) {
    bound_params b;
    const std::string sql =
        "with f as (" + facts_sql(b, q.filters, q.previous.start, q.range.end) +
        ") select day - date '1970-01-01', sum(sessions)::bigint, sum(orders)::bigint, "
        "round(sum(revenue), 2) from f group by day";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      by_day[int_at(*r, i, 0)] = {int_at(*r, i, 1), int_at(*r, i, 2), std::string(r->get(i, 3))};
    }
  }
  const day_sums zero;
  auto at = [&](int64_t d) -> const day_sums& {
    auto it = by_day.find(d);
    return it == by_day.end() ? zero : it->second;
  };
  w.key("days").open_array();
  for (int64_t d = q.range.start; d <= q.range.end; ++d) {
    const auto& cur = at(d);
    const auto& prev = at(d - q.range.days());
    w.open_object().key("day").string(format_day(d));
    w.key("sessions").integer(cur.sessions).key("revenue").decimal(cur.revenue);
    w.key("orders").integer(cur.orders);
    w.key("previous_sessions").integer(prev.sessions);
    w.key("previous_revenue").decimal(prev.revenue).close_object();
  }
  w.close_array();
  return {};
}

gg::status outcomes(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> counts;
  if (ready) {
    bound_params b;
    const std::string facts = facts_sql(b, q.filters, q.previous.start, q.range.end);
    const std::string start = day_param(b, q.range.start);
    const std::string sql = "with f as (" + facts +
                            ") select session_outcome, "
                            "coalesce(sum(sessions) filter (where day >= " +
                            start +
                            "), 0)::bigint, "
                            "coalesce(sum(sessions) filter (where day < " +
                            start + "), 0)::bigint from f group by session_outcome";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      counts[std::string(r->get(i, 0))] = {int_at(*r, i, 1), int_at(*r, i, 2)};
    }
  }
  w.key("outcomes").open_array();
  for (auto o : session_outcomes) {
    auto it = counts.find(o);
    const auto c = it == counts.end() ? std::pair<int64_t, int64_t>{} : it->second;
    w.open_object().key("outcome").string(o).key("sessions").integer(c.first);
    w.key("previous_sessions").integer(c.second).close_object();
  }
  w.close_array();
  return {};
}

gg::status funnel(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  std::array<int64_t, 5> n{};
  if (ready) {
    bound_params b;
    const std::string sql =
        "with f as (" + facts_sql(b, q.filters, q.range.start, q.range.end) +
        ") select coalesce(sum(sessions), 0)::bigint, coalesce(sum(browse_sessions), 0)::bigint,"
        " coalesce(sum(product_sessions), 0)::bigint, coalesce(sum(cart_sessions), 0)::bigint,"
        " coalesce(sum(purchase_sessions), 0)::bigint from f";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < 5; ++i) n[i] = int_at(*r, 0, i);
  }
  constexpr std::array<std::pair<std::string_view, std::string_view>, 5> stages{{
      {"sessions", "Sessions"},
      {"browse", "Browsed categories"},
      {"product", "Viewed product"},
      {"cart", "Added to cart"},
      {"purchase", "Purchased"},
  }};
  w.key("stages").open_array();
  for (std::size_t i = 0; i < stages.size(); ++i) {
    w.open_object().key("stage").string(stages[i].first).key("label").string(stages[i].second);
    w.key("sessions").integer(n[i]);
    w.key("of_previous").optional_number(i == 0 ? ratio(n[0], n[0]) : ratio(n[i], n[i - 1]));
    w.key("of_first").optional_number(ratio(n[i], n[0])).close_object();
  }
  w.close_array();
  return {};
}

gg::status products(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  w.key("products").open_array();
  if (ready) {
    bound_params b;
    std::string facts;
    if (!q.filters.any()) {
      facts =
          "select product_id, sum(revenue) as revenue, sum(units_sold) as units_sold, "
          "sum(views) as views from staging.int_product_daily where " +
          day_condition(b, "fact_date", q.range.start, q.range.end) + " group by product_id";
    } else if (const auto one = single_filter(q.filters)) {
      facts =
          "select product_id, sum(revenue) as revenue, sum(units_sold) as units_sold, "
          "sum(views) as views from analytics.dashboard_filtered_products where " +
          filter_condition(b, *one) + " and " +
          day_condition(b, "date", q.range.start, q.range.end) + " group by product_id";
    } else {
      facts =
          "select sp.product_id, sum(sp.revenue) as revenue, sum(sp.units_sold) as "
          "units_sold, sum(sp.views) as views from analytics.dashboard_session_products sp "
          "where sp.session_id = any (array(select s.session_id from (" +
          sessions_sql(b, q.filters, q.range.start, q.range.end) + ") s)) group by sp.product_id";
    }
    const std::string sql =
        "with facts as (" + facts +
        ") select facts.product_id, pp.product_name, pp.product_brand, pp.product_category, "
        "round(facts.revenue, 2), facts.units_sold::bigint, facts.views::bigint from facts "
        "left join analytics.product_performance pp on pp.product_id = facts.product_id "
        "order by facts.revenue desc, pp.product_name nulls last, facts.product_id limit 10";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      w.open_object().key("product_id").string(r->get(i, 0));
      w.key("name").optional_string(text_at(*r, i, 1));
      w.key("brand").optional_string(text_at(*r, i, 2));
      w.key("category").optional_string(text_at(*r, i, 3));
      w.key("revenue");
      decimal_or_null(w, *r, i, 4);
      w.key("units_sold").integer(int_at(*r, i, 5));
      w.key("views").integer(int_at(*r, i, 6)).close_object();
    }
  }
  w.close_array();
  return {};
}

gg::status cohorts(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  constexpr int64_t weeks = 9;  // weeks 0..8
  struct cohort {
    int64_t size = 0;
    std::array<int64_t, weeks> active{};
  };
  std::map<std::string, cohort> by_day;
  if (ready) {
    bound_params b;
    std::string sql;
    if (!q.filters.any()) {
      sql =
          "select to_char(cohort_date, 'YYYY-MM-DD'), cohort_size::bigint, "
          "weeks_since_first_visit::bigint, active_users::bigint "
          "from analytics.user_cohort_analysis where " +
          day_condition(b, "cohort_date", q.range.start, q.range.end) +
          " and weeks_since_first_visit <= 8";
    } else if (const auto one = single_filter(q.filters)) {
      // Every member is active in the week of their first session: week 0's count is the size.
      sql =
          "select to_char(cohort_date, 'YYYY-MM-DD'), (max(active) filter (where week = 0) over "
          "(partition by cohort_date))::bigint, week::bigint, active::bigint "
          "from analytics.dashboard_filtered_cohorts where " +
          filter_condition(b, *one) + " and " +
          day_condition(b, "cohort_date", q.range.start, q.range.end) + " and week <= 8";
    } else {
      // Week 8 of the range's last cohort ends 62 days after it.
      const std::string first = day_param(b, q.range.start);
      const std::string last = day_param(b, q.range.end);
      sql = "with s as (" + sessions_sql(b, q.filters, std::nullopt, q.range.end + weeks * 7 - 1) +
            "), firsts as (select user_id, min(session_date) as cohort from s "
            "where user_id is not null group by user_id), "
            "members as (select user_id, cohort from firsts where cohort between " +
            first + " and " + last +
            "), sizes as (select cohort, count(*) as size from members group by cohort), "
            "act as (select m.cohort, (s.session_date - m.cohort) / 7 as week, "
            "count(distinct s.user_id) as active from s join members m on m.user_id = s.user_id "
            "group by 1, 2) "
            "select to_char(sizes.cohort, 'YYYY-MM-DD'), sizes.size, act.week::bigint, "
            "act.active from sizes join act on act.cohort = sizes.cohort where act.week <= 8";
    }
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      auto& c = by_day[std::string(r->get(i, 0))];
      c.size = int_at(*r, i, 1);
      const auto week = int_at(*r, i, 2);
      if (week >= 0 && week < weeks) c.active[static_cast<std::size_t>(week)] = int_at(*r, i, 3);
    }
  }
  w.key("cohorts").open_array();
  for (const auto& [day, c] : by_day) {
    w.open_object().key("cohort").string(day).key("size").integer(c.size);
    w.key("weeks").open_array();
    for (int64_t k = 0; k < weeks; ++k) {
      const auto active = c.active[static_cast<std::size_t>(k)];
      w.open_object().key("week").integer(k).key("active").integer(active);
      w.key("retention").optional_number(ratio(active, c.size)).close_object();
    }
    w.close_array().close_object();
  }
  w.close_array();
  return {};
}

gg::status pages(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  w.key("pages").open_array();
  if (ready) {
    bound_params b;
    std::string sql;
    if (!q.filters.any()) {
      sql =
          "select path, sum(views)::bigint as n, sum(visitors)::bigint, sum(entries)::bigint,"
          " sum(exits)::bigint from analytics.dashboard_daily_pages where " +
          day_condition(b, "date", q.range.start, q.range.end) + " group by path";
    } else if (const auto one = single_filter(q.filters)) {
      sql =
          "select path, sum(views)::bigint as n, sum(visitors)::bigint, sum(entries)::bigint,"
          " sum(exits)::bigint from analytics.dashboard_filtered_pages where " +
          filter_condition(b, *one) + " and " +
          day_condition(b, "date", q.range.start, q.range.end) + " group by path";
    } else {
      // Sessions from the day before the range too: a session that crosses midnight has views
      // on the range's first day.
      // Visitors per day by grouping on (path, day, visitor) first: two hash aggregates
      // instead of the sort a count(distinct) needs.
      sql =
          "select path, sum(views)::bigint as n, count(*), sum(entries)::bigint, "
          "sum(exits)::bigint from (select pv.path, count(*) as views, count(*) filter "
          "(where pv.is_entry) as entries, count(*) filter (where pv.is_exit) as exits "
          "from analytics.dashboard_page_views pv where pv.session_id = any (array(select "
          "s.session_id from (" +
          sessions_sql(b, q.filters, q.range.start - 1, q.range.end) + ") s)) and " +
          day_condition(b, "pv.view_date", q.range.start, q.range.end) +
          " group by pv.path, pv.view_date, pv.visitor_id) v group by path";
    }
    sql += " order by n desc, 1 limit 20";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      w.open_object().key("path").string(r->get(i, 0));
      w.key("views").integer(int_at(*r, i, 1)).key("visitors").integer(int_at(*r, i, 2));
      w.key("entries").integer(int_at(*r, i, 3)).key("exits").integer(int_at(*r, i, 4));
      w.close_object();
    }
  }
  w.close_array();
  return {};
}

gg::status sources(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready) {
  w.key("sources").open_array();
  if (ready) {
    bound_params b;
    std::string sql;
    if (!q.filters.any()) {
      sql =
          "select source, sum(sessions)::bigint as n, sum(visitors)::bigint "
          "from analytics.dashboard_daily_sources where " +
          day_condition(b, "date", q.range.start, q.range.end) + " group by source";
    } else if (const auto one = single_filter(q.filters)) {
      sql =
          "select source, sum(sessions)::bigint as n, sum(visitors)::bigint "
          "from analytics.dashboard_filtered_sources where " +
          filter_condition(b, *one) + " and " +
          day_condition(b, "date", q.range.start, q.range.end) + " group by source";
    } else {
      sql =
          "select source, sum(sessions)::bigint as n, count(*) from (select s.source, "
          "count(*) as sessions from (" +
          sessions_sql(b, q.filters, q.range.start, q.range.end) +
          ") s group by s.source, s.session_date, s.visitor_id) v group by source";
    }
    sql += " order by n desc, 1 limit 20";
    auto r = run(conn, sql, b);
    if (!r) return r.error();
    for (int i = 0; i < r->rows(); ++i) {
      w.open_object().key("source").string(r->get(i, 0));
      w.key("sessions").integer(int_at(*r, i, 1)).key("visitors").integer(int_at(*r, i, 2));
      w.close_object();
    }
  }
  w.close_array();
  return {};
}

// The raw tables' events (bots left out) received since `from`, one union branch per table.
std::string raw_events_sql(const std::string& from) {
  std::string sql;
  constexpr std::array<std::string_view, 5> tables{"page_views", "user_events", "ecommerce_events",
                                                   "analytics_events", "event_queue"};
  for (auto t : tables) {
    if (!sql.empty()) sql += " union all ";
    const bool products = t == "ecommerce_events";
    sql += "select server_timestamp as at, session_id, user_id, coalesce(event, type) as name, " +
           std::string(t == "page_views" ? "path" : "null::text") + " as page, " +
           std::string(products ? "properties ->> 'product_id'" : "null::text") +
           " as product_id, " + std::string(products ? "properties ->> 'category'" : "null::text") +
           " as category from raw_data." + std::string(t) + " where server_timestamp >= " + from +
           " and not is_bot";
  }
  return sql;
}

gg::status live(json_writer& w, pg::connection& conn, const dashboard_query& q, bool ready,
                const panel_context& ctx, std::optional<std::string>& as_of) {
  using namespace std::chrono;
  const sys_us last_minute = floor<minutes>(ctx.now);
  const sys_us first_minute = last_minute - minutes(29);
  bound_params b;
  const std::string from = time_param(b, first_minute);
  const std::string five = time_param(b, ctx.now - minutes(5));
  const auto& f = q.filters;
  std::string where = "true";
  if (f.product) {
    where +=
        " and session_id in (select session_id from ev where name = 'product_view' and "
        "product_id = " +
        b.add(*f.product, "text") + ")";
  }
  if (f.category) {
    where +=
        " and session_id in (select ev.session_id from ev left join analytics.dim_products"
        " dp on dp.product_id = ev.product_id where ev.name = 'product_view' and "
        "coalesce(dp.category, ev.category) = " +
        b.add(*f.category, "text") + ")";
  }
  if (f.page) {
    where +=
        " and session_id in (select session_id from ev where page = " + b.add(*f.page, "text") +
        ")";
  }
  // Outcome and source are known once the models have seen the session.
  for (const auto& [value, column] :
       {std::pair{&f.outcome, "session_outcome"}, std::pair{&f.source, "source"}}) {
    if (!*value) continue;
    if (!ready) {
      where += " and false";
      continue;
    }
    where +=
        " and session_id in (select ds.session_id from analytics.dashboard_sessions ds "
        "where ds." +
        std::string(column) + " = " + b.add(**value, "text") +
        " and ds.session_id in (select session_id from ev))";
  }
  const std::string sql =
      "with ev as (" + raw_events_sql(from) +
      "), fev as (select at, coalesce(user_id, 'session:' "
      "|| session_id) as visitor from ev where " +
      where + "), minutes as (select generate_series(" + from + ", " + from +
      " + interval '29 minutes', interval '1 minute') as m) "
      "select " +
      iso("minutes.m") +
      ", count(fev.at), count(distinct fev.visitor), "
      "(select count(*) from fev where at >= " +
      five +
      "), "
      "(select count(distinct visitor) from fev where at >= " +
      five +
      "), "
      "(select " +
      iso("max(at)") +
      " from fev) "
      "from minutes left join fev on fev.at >= minutes.m and fev.at < minutes.m + "
      "interval '1 minute' group by minutes.m order by minutes.m";
  auto r = run(conn, sql, b);
  if (!r) return r.error();
  const bool any = r->rows() > 0;
  as_of = any ? text_at(*r, 0, 5) : std::nullopt;
  w.key("visitors_5m").integer(any ? int_at(*r, 0, 4) : 0);
  w.key("events_5m").integer(any ? int_at(*r, 0, 3) : 0);
  w.key("per_minute").open_array();
  for (int i = 0; i < r->rows(); ++i) {
    w.open_object().key("minute").string(r->get(i, 0));
    w.key("events").integer(int_at(*r, i, 1)).key("visitors").integer(int_at(*r, i, 2));
    w.close_object();
  }
  w.close_array();
  return {};
}

gg::status health(json_writer& w, pg::connection& conn, bool ready, const panel_context& ctx,
                  const std::optional<std::string>& data_as_of, std::optional<std::string>& as_of) {
  using namespace std::chrono;
  bound_params b;
  const std::string minute_ago = time_param(b, ctx.now - minutes(1));
  const std::string now = time_param(b, ctx.now);
  constexpr std::array<std::string_view, 5> tables{"page_views", "user_events", "ecommerce_events",
                                                   "analytics_events", "event_queue"};
  std::string recent;
  std::string newest;
  for (auto t : tables) {
    if (!recent.empty()) {
      recent += " + ";
      newest += ", ";
    }
    recent += "(select count(*) from raw_data." + std::string(t) + " where server_timestamp > " +
              minute_ago + " and server_timestamp <= " + now + ")";
    newest += "(select max(server_timestamp) from raw_data." + std::string(t) + ")";
  }
  const std::string sql =
      "with n as (select greatest(" + newest + ") as newest) select (" + recent +
      ")::float8 / 60, " + iso("n.newest") + ", extract(epoch from (" + now +
      " - n.newest))::float8, (select " + iso("max(started_at + elapsed_s * interval '1 second')") +
      " from pipeline.transform_runs where status = 'success' and command in ('run', 'build'))"
      " from n";
  auto r = run(conn, sql, b);
  if (!r) return r.error();
  as_of = text_at(*r, 0, 1);
  auto eps = r->get_double(0, 0);
  w.key("events_per_second").number(eps ? *eps : 0.0);
  w.key("loader_lag_seconds");
  if (r->is_null(0, 2)) {
    w.null();
  } else {
    auto lag = r->get_double(0, 2);
    w.optional_number(lag ? std::optional<double>(std::max(0.0, *lag)) : std::nullopt);
  }
  w.key("last_transform").optional_string(text_at(*r, 0, 3));
  w.key("data_as_of").optional_string(ready ? data_as_of : std::nullopt);
  w.key("includes_synthetic").boolean(ctx.includes_synthetic);
  std::vector<flow_health> flows;
  if (ctx.flows != nullptr && *ctx.flows) flows = (*ctx.flows)();
  bool stale = false;
  w.key("stale_flows").open_array();
  for (const auto& fl : flows) {
    if (!fl.stale) continue;
    stale = true;
    w.string(fl.name);
  }
  w.close_array();
  w.key("stale").boolean(stale);
  w.key("flows").open_array();
  for (const auto& fl : flows) {
    w.open_object().key("name").string(fl.name).key("state").string(fl.state);
    w.key("last_success");
    if (fl.last_success) {
      w.string(format_iso8601_us(floor<microseconds>(*fl.last_success)));
    } else {
      w.null();
    }
    w.close_object();
  }
  w.close_array();
  return {};
}

void write_range(json_writer& w, std::string_view name, const day_range& r) {
  w.key(name).open_object().key("start").string(format_day(r.start));
  w.key("end").string(format_day(r.end)).close_object();
}

}  // namespace

std::optional<panel> parse_panel(std::string_view name) noexcept {
  constexpr std::array<std::pair<std::string_view, panel>, 10> names{{
      {"kpis", panel::kpis},
      {"daily", panel::daily},
      {"outcomes", panel::outcomes},
      {"funnel", panel::funnel},
      {"products", panel::products},
      {"cohorts", panel::cohorts},
      {"pages", panel::pages},
      {"sources", panel::sources},
      {"live", panel::live},
      {"health", panel::health},
  }};
  for (const auto& [n, p] : names) {
    if (n == name) return p;
  }
  return std::nullopt;
}

gg::result<std::string> read_panel(pg::connection& conn, panel p, const dashboard_query& q,
                                   const panel_context& ctx) {
  // The models' tables exist once the transformation runner has built them; before that the
  // panels answer empty rather than fail.
  auto ready_r = conn.exec(
      "select to_regclass('analytics.dashboard_sessions') is not null"
      " and to_regclass('analytics.dashboard_page_views') is not null"
      " and to_regclass('analytics.dashboard_session_products') is not null"
      " and to_regclass('analytics.dashboard_daily') is not null"
      " and to_regclass('analytics.dashboard_daily_sources') is not null"
      " and to_regclass('analytics.dashboard_daily_pages') is not null"
      " and to_regclass('analytics.dashboard_daily_filtered') is not null"
      " and to_regclass('analytics.dashboard_filtered_pages') is not null"
      " and to_regclass('analytics.dashboard_filtered_products') is not null"
      " and to_regclass('analytics.dashboard_filtered_sources') is not null"
      " and to_regclass('analytics.dashboard_filtered_cohorts') is not null"
      " and to_regclass('staging.int_product_daily') is not null"
      " and to_regclass('analytics.product_performance') is not null"
      " and to_regclass('analytics.user_cohort_analysis') is not null");
  if (!ready_r) return ready_r.error();
  const bool ready = ready_r->get(0, 0) == "t";

  // The freshness of the models: the newest load time behind dashboard_sessions.
  std::optional<std::string> models_as_of;
  if (ready && p != panel::live) {
    auto r =
        conn.exec("select " + iso("max(last_loaded_at)") + " from analytics.dashboard_sessions");
    if (!r) return r.error();
    models_as_of = text_at(*r, 0, 0);
  }

  json_writer w;
  w.open_object();
  std::optional<std::string> as_of = models_as_of;
  gg::status st;
  switch (p) {
    case panel::kpis:
      st = kpis(w, conn, q, ready);
      break;
    case panel::daily:
      st = daily(w, conn, q, ready);
      break;
    case panel::outcomes:
      st = outcomes(w, conn, q, ready);
      break;
    case panel::funnel:
      st = funnel(w, conn, q, ready);
      break;
    case panel::products:
      st = products(w, conn, q, ready);
      break;
    case panel::cohorts:
      st = cohorts(w, conn, q, ready);
      break;
    case panel::pages:
      st = pages(w, conn, q, ready);
      break;
    case panel::sources:
      st = sources(w, conn, q, ready);
      break;
    case panel::live:
      st = live(w, conn, q, ready, ctx, as_of);
      break;
    case panel::health:
      st = health(w, conn, ready, ctx, models_as_of, as_of);
      break;
  }
  if (!st) return st.error();
  w.key("as_of").optional_string(as_of);
  w.key("timezone").string(ctx.time_zone);
  write_range(w, "range", q.range);
  write_range(w, "previous", q.previous);
  w.key("filters").open_object();
  const auto& f = q.filters;
  for (const auto& [name, value] :
       {std::pair{"product", &f.product}, std::pair{"category", &f.category},
        std::pair{"outcome", &f.outcome}, std::pair{"page", &f.page},
        std::pair{"source", &f.source}}) {
    if (*value) w.key(name).string(**value);
  }
  w.close_object();
  w.close_object();
  return w.take();
}

}  // namespace gg::dashboard
