// The shipped analytics project (sql/transform) on a small fixed dataset, run through the
// runner's public API, against numbers computed by hand from the dataset (load1.tsv,
// load2.tsv) and written out below; none of them comes from the models' SQL.
//
// The dataset (client times, UTC; day 1 = 2026-11-02, day 2 = 2026-11-09, a week later):
//   s1 u1 day 1 10:00-10:05  3 page views (3 paths), identify Ada, view p1, add p1 x2,
//                            begin_checkout, the shop's order_completed T1 (p1 20.00 x2,
//                            total 45.00) and the browser's purchase T1 (value 50.00)
//                            -> purchase, one order worth 45.00 (the shop's total wins)
//   s2 u2 day 1 11:00-11:02  2 page views, view p2, add p2, order_failed + checkout_error
//                            -> checkout_error
//   s3 u1 day 1 12:00-12:10  3 page views (2 paths), view p1, view p2, add p2 x"3"
//                            -> cart_abandonment
//   s7 bot1 day 1            a crawler's page view and product view -> left out
//   s4 u3 day 2 09:00-09:04  2 page views, identify Cy, view p3 (price "cheap")
//                            -> browse_only; load 2 adds an add_to_cart p3 stamped 09:05
//                            -> cart_abandonment
//   s5 --  day 2 09:30       1 page view -> bounce
//   s6 u2 day 2 14:00-14:03  2 page views, add p3 x1.0, browser purchase T6 30.50 (no shop
//                            event) -> purchase worth 30.50
//   plus one analytics_events, one event_queue and one logout event.
#include "model_fixture.hpp"

#include <gadgetgrove/transform/node_result.hpp>
#include <gadgetgrove/transform/runner.hpp>

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using gg::transform::node_status;
using gg::transform::run_command;
using namespace gg::test::models;
using rows_t = std::vector<std::string>;

fs::path fixture(const char* name) {
  return project_dir().parent_path().parent_path() / "tests/integration/transform_models" / name;
}

gg::pg::connection utc_connection(const gg::test::pg_database& db) {
  auto conn = db.connect();
  auto r = conn.exec("set timezone = 'UTC'");
  if (!r) FAIL(r.error().message);
  return conn;
}

const char* const session_columns =
    "select session_id, user_id, user_name, user_email, session_start, session_end,"
    " session_date, session_duration_sec, total_page_views, viewed_pages, was_identified,"
    " product_views, unique_products_viewed, cart_adds, unique_products_carted, transaction_id,"
    " purchases, purchase_value, checkout_error, session_outcome, is_synthetic"
    " from analytics.session_summary order by session_id";

const char* const daily_columns =
    "select date, total_sessions, sessions, synthetic_sessions, page_views, pages_per_session,"
    " product_views, add_to_cart_events, purchase_events, purchasing_sessions, total_revenue,"
    " average_order_value, conversion_rate, bounce_rate, cart_to_purchase_rate"
    " from analytics.daily_metrics order by date";

const char* const funnel_columns =
    "select date, total_sessions, browse_sessions, product_sessions, cart_sessions,"
    " purchase_sessions, session_to_browse_rate, browse_to_product_rate, product_to_cart_rate,"
    " cart_to_purchase_rate, overall_conversion_rate from analytics.funnel_analysis order by date";

const char* const product_columns =
    "select product_id, product_name, product_brand, product_category, product_price,"
    " total_events, views, cart_adds, units_carted, purchases, units_sold, viewing_sessions,"
    " carting_sessions, purchasing_sessions, revenue, view_to_cart_rate, cart_to_purchase_rate"
    " from analytics.product_performance order by product_id";

const char* const cohort_columns =
    "select cohort_date, weeks_since_first_visit, cohort_size, active_users, revenue,"
    " retention_rate from analytics.user_cohort_analysis order by 1, 2";

// The per-filter pages and cohorts of the outcome filter's values browse_only and
// cart_abandonment (the tables kept by retracting and re-adding contributions).
const char* const outcome_pages =
    "select value, date, path, views, visitors, entries, exits"
    " from analytics.dashboard_filtered_pages where dimension = 'outcome'"
    " and value in ('browse_only', 'cart_abandonment') order by 1, 2, 3";
const char* const outcome_cohorts =
    "select value, cohort_date, week, active from analytics.dashboard_filtered_cohorts"
    " where dimension = 'outcome' and value in ('browse_only', 'cart_abandonment')"
    " order by 1, 2, 3";

// Snapshots `relations` on `conn`, runs a full refresh and checks each holds the same rows.
void check_same_as_full_refresh(const gg::test::pg_database& db, gg::pg::connection& conn,
                                const std::vector<std::string>& relations) {
  for (std::size_t i = 0; i < relations.size(); ++i) {
    auto r = conn.exec("create temporary table snap" + std::to_string(i) + " as select * from " +
                       relations[i]);
    if (!r) FAIL(r.error().message);
  }
  run_models(db, true);
  for (std::size_t i = 0; i < relations.size(); ++i) {
    INFO(relations[i]);
    const std::string snap = "snap" + std::to_string(i);
    CHECK(scalar(conn, "select count(*) from (select * from " + snap +
                           " except all select * from " + relations[i] + ") d") == "0");
    CHECK(scalar(conn, "select count(*) from (select * from " + relations[i] +
                           " except all select * from " + snap + ") d") == "0");
  }
}

void load_fixture(gg::pg::connection& conn) {
  load_products(conn);
  REQUIRE(load(conn, read_events(fixture("load1.tsv"))) == 35);
}

}  // namespace

TEST_CASE("the shipped models give the hand-computed numbers, and a late event updates them",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  run_models(db, false);

  // Staging keeps every event, the crawler's too, flagged; types that do not parse are NULL.
  CHECK(scalar(conn,
               "select count(*) || '/' || count(*) filter (where is_bot)"
               " from staging.stg_page_views") == "14/1");
  CHECK(scalar(conn, "select count(*) from staging.stg_ecommerce_events") == "16");
  CHECK(scalar(conn, "select count(*) from staging.stg_user_events") == "3");
  CHECK(scalar(conn, "select count(*) from staging.stg_analytics_events") == "1");
  CHECK(scalar(conn, "select count(*) from staging.stg_event_queue") == "1");
  CHECK(rows(conn,
             "select event_name, ecommerce_action, product_id, product_price, quantity, value,"
             " transaction_id, order_id, error_reason from staging.stg_ecommerce_events"
             " where session_id in ('s2', 's3', 's4') or event_name like 'order%'"
             " order by event_at") ==
        rows_t{"order_completed|purchase|∅|∅|∅|45.00|T1|T1|∅",
               "product_view|product_view|p2|9.99|∅|∅|∅|∅|∅",
               "add_to_cart|add_to_cart|p2|9.99|1|∅|∅|∅|∅",
               "order_failed|checkout_error|∅|∅|∅|15.99|∅|O2|Payment Declined",
               "checkout_error|checkout_error|∅|∅|∅|15.99|∅|∅|Payment Declined",
               "product_view|product_view|p1|20.00|∅|∅|∅|∅|∅",
               "product_view|product_view|p2|9.99|∅|∅|∅|∅|∅",
               "add_to_cart|add_to_cart|p2|9.99|3|∅|∅|∅|∅",
               "product_view|product_view|p3|∅|∅|∅|∅|∅|∅"});
  CHECK(rows(conn,
             "select user_name, user_email from staging.stg_user_events"
             " where event_name = 'identify' order by event_at") ==
        rows_t{"Ada Lovelace|ada@example.com", "Cy Young|cy@example.com"});

  const rows_t sessions_before_late = {
      "s1|u1|Ada Lovelace|ada@example.com|2026-11-02 10:00:00+00|2026-11-02 10:05:00+00|"
      "2026-11-02|300.000|3|3|t|1|1|1|1|T1|1|45.00|f|purchase|f",
      "s2|u2|∅|∅|2026-11-02 11:00:00+00|2026-11-02 11:02:00+00|"
      "2026-11-02|120.000|2|2|f|1|1|1|1|∅|0|0|t|checkout_error|f",
      "s3|u1|∅|∅|2026-11-02 12:00:00+00|2026-11-02 12:10:00+00|"
      "2026-11-02|600.000|3|2|f|2|2|1|1|∅|0|0|f|cart_abandonment|f",
      "s4|u3|Cy Young|cy@example.com|2026-11-09 09:00:00+00|2026-11-09 09:04:00+00|"
      "2026-11-09|240.000|2|2|t|1|1|0|0|∅|0|0|f|browse_only|f",
      "s5|∅|∅|∅|2026-11-09 09:30:00+00|2026-11-09 09:30:00+00|"
      "2026-11-09|0.000|1|1|f|0|0|0|0|∅|0|0|f|bounce|f",
      "s6|u2|∅|∅|2026-11-09 14:00:00+00|2026-11-09 14:03:00+00|"
      "2026-11-09|180.000|2|2|f|0|0|1|1|T6|1|30.50|f|purchase|f"};
  CHECK(rows(conn, session_columns) == sessions_before_late);

  // Day 1: 8 page views / 3 sessions; views 1+1+2; adds 3; one order of 45.00; no bounce;
  // of the 3 sessions with an add to cart, 1 bought. Day 2: 5 page views; s5 bounced; of the
  // 1 session with an add to cart (s6), 1 bought.
  CHECK(rows(conn, daily_columns) ==
        rows_t{"2026-11-02|3|3|0|8|2.67|4|3|1|1|45.00|45.00|0.3333|0.0000|0.3333",
               "2026-11-09|3|3|0|5|1.67|1|1|1|1|30.50|30.50|0.3333|0.3333|1.0000"});
  // Day 2 stages: browse s4 s6, product s4 s6 (s6 skipped the product page), cart s6,
  // purchase s6.
  CHECK(rows(conn, funnel_columns) ==
        rows_t{"2026-11-02|3|3|3|3|1|1.0000|1.0000|1.0000|0.3333|0.3333",
               "2026-11-09|3|2|2|1|1|0.6667|1.0000|0.5000|1.0000|0.3333"});
  // p1: viewed in s1 and s3 (the crawler's view left out), added x2 in s1, sold 2 x 20.00 in
  // T1. p2: viewed in s2 and s3, added in s2 (x1) and s3 (x3), never sold. p3: viewed in s4,
  // added in s6; s6's order has no shop event, so no order line.
  CHECK(rows(conn, product_columns) ==
        rows_t{"p1|Phone|Acme|Phones|20.00|4|2|1|2|1|2|2|1|1|40.00|0.5000|1.0000",
               "p2|Cable|Wireco|Accessories|9.99|4|2|2|4|0|0|2|2|0|0|1.0000|0.0000",
               "p3|Speaker|Boom|Audio|30.50|2|1|1|1|0|0|1|1|0|0|1.0000|0.0000"});
  // Cohort 2026-11-02: u1 and u2; in week 1 only u2 came back (s6, 30.50).
  // Cohort 2026-11-09: u3. s5 has no user.
  const rows_t cohorts = {"2026-11-02|0|2|2|45.00|1.0000", "2026-11-02|1|2|1|30.50|0.5000",
                          "2026-11-09|0|1|1|0|1.0000"};
  CHECK(rows(conn, cohort_columns) == cohorts);
  // Outcome browse_only: s4 (u3, day 2) viewed / then /p/p3. cart_abandonment: s3 (u1, day 1)
  // viewed /p/p1, /p/p2, /p/p1.
  CHECK(rows(conn, outcome_pages) == rows_t{"browse_only|2026-11-09|/|1|1|1|0",
                                            "browse_only|2026-11-09|/p/p3|1|1|0|1",
                                            "cart_abandonment|2026-11-02|/p/p1|2|1|1|1",
                                            "cart_abandonment|2026-11-02|/p/p2|1|1|0|0"});
  CHECK(rows(conn, outcome_cohorts) ==
        rows_t{"browse_only|2026-11-09|0|1", "cart_abandonment|2026-11-02|0|1"});

  SECTION("a duplicate delivery of an event changes nothing") {
    auto again = read_events(fixture("load1.tsv"));
    again.resize(3);
    CHECK(load(conn, again) == 0);
    run_models(db, false);
    CHECK(rows(conn, session_columns) == sessions_before_late);
    CHECK(scalar(conn, "select count(*) from staging.stg_page_views") == "14");
  }

  SECTION("an event loaded after the run, with an old client time, updates its session") {
    REQUIRE(load(conn, read_events(fixture("load2.tsv"))) == 1);
    run_models(db, false);
    auto expected = sessions_before_late;
    expected[3] =
        "s4|u3|Cy Young|cy@example.com|2026-11-09 09:00:00+00|2026-11-09 09:04:00+00|"
        "2026-11-09|240.000|2|2|t|1|1|1|1|∅|0|0|f|cart_abandonment|f";
    CHECK(rows(conn, session_columns) == expected);
    // Day 2 now has 2 adds and 2 sessions with an add to cart (s4, s6), one of which bought.
    CHECK(rows(conn, daily_columns) ==
          rows_t{"2026-11-02|3|3|0|8|2.67|4|3|1|1|45.00|45.00|0.3333|0.0000|0.3333",
                 "2026-11-09|3|3|0|5|1.67|1|2|1|1|30.50|30.50|0.3333|0.3333|0.5000"});
    CHECK(rows(conn, funnel_columns) ==
          rows_t{"2026-11-02|3|3|3|3|1|1.0000|1.0000|1.0000|0.3333|0.3333",
                 "2026-11-09|3|2|2|2|1|0.6667|1.0000|1.0000|0.5000|0.3333"});
    // p3: added in s6 and s4 now, viewed only in s4.
    CHECK(rows(conn, product_columns) ==
          rows_t{"p1|Phone|Acme|Phones|20.00|4|2|1|2|1|2|2|1|1|40.00|0.5000|1.0000",
                 "p2|Cable|Wireco|Accessories|9.99|4|2|2|4|0|0|2|2|0|0|1.0000|0.0000",
                 "p3|Speaker|Boom|Audio|30.50|3|1|2|2|0|0|1|2|0|0|2.0000|0.0000"});
    CHECK(rows(conn, cohort_columns) == cohorts);
    CHECK(scalar(conn, "select count(*) from staging.stg_ecommerce_events") == "17");
    // s4 moved from browse_only to cart_abandonment: its views and its user leave the one
    // value's rows (which had nothing else, so they are gone) and join the other's.
    CHECK(rows(conn, outcome_pages) == rows_t{"cart_abandonment|2026-11-02|/p/p1|2|1|1|1",
                                              "cart_abandonment|2026-11-02|/p/p2|1|1|0|0",
                                              "cart_abandonment|2026-11-09|/|1|1|1|0",
                                              "cart_abandonment|2026-11-09|/p/p3|1|1|0|1"});
    CHECK(rows(conn, outcome_cohorts) ==
          rows_t{"cart_abandonment|2026-11-02|0|1", "cart_abandonment|2026-11-09|0|1"});
    check_same_as_full_refresh(
        db, conn,
        {"analytics.dashboard_filtered_pages", "analytics.dashboard_filtered_pages__contributions",
         "analytics.dashboard_filtered_cohorts",
         "analytics.dashboard_filtered_cohorts__contributions"});
  }
}

TEST_CASE("a run recomputes a visitor's filtered page rows only for the days its new events touch",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  run_models(db, false);
  // u2 viewed pages on 2026-11-02 (s2) and 2026-11-09 (s6).
  const std::string u2_rows =
      "select string_agg(xmin::text, ',' order by dimension, value, path) from "
      "analytics.dashboard_filtered_pages__contributions where visitor_id = 'u2' and "
      "visitor_date = '";
  const std::string day1_before = scalar(conn, u2_rows + "2026-11-02'");
  const std::string day2_before = scalar(conn, u2_rows + "2026-11-09'");
  REQUIRE(day1_before != "∅");
  REQUIRE(day2_before != "∅");

  // One more page view in s6: only u2's 2026-11-09 contributions are retracted and re-added.
  raw_event view;
  view.table = "page_views";
  view.event_id = "00000000-0000-4000-8000-000000000900";
  view.type = "page_view";
  view.timestamp = "2026-11-09T14:05:00Z";
  view.session_id = "s6";
  view.user_id = "u2";
  view.path = "/p/p1";
  view.properties = R"({"title": "GadgetGrove"})";
  REQUIRE(load(conn, {view}) == 1);
  run_models(db, false);
  CHECK(scalar(conn, u2_rows + "2026-11-02'") == day1_before);
  CHECK(scalar(conn, u2_rows + "2026-11-09'") != day2_before);
  CHECK(rows(conn,
             "select date, path, views, visitors from analytics.dashboard_filtered_pages"
             " where dimension = 'source' and path = '/p/p1' order by date") ==
        rows_t{"2026-11-02|/p/p1|3|1", "2026-11-09|/p/p1|1|1"});
  check_same_as_full_refresh(
      db, conn,
      {"analytics.dashboard_filtered_pages", "analytics.dashboard_filtered_pages__contributions"});
}

TEST_CASE("a staging run summarizes its raw table's new BRIN ranges before reading them",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  // No autovacuum on the table, which would summarize the ranges by itself.
  REQUIRE(conn.exec("alter table raw_data.page_views set (autovacuum_enabled = off)").has_value());
  run_models(db, false);
  // Enough page views for several 128-page block ranges (~1 MiB each).
  std::vector<raw_event> views;
  const std::string padding(600, 'x');
  for (int i = 0; i < 6000; ++i) {
    raw_event view;
    view.table = "page_views";
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i + 1);
    view.event_id = id;
    view.type = "page_view";
    view.timestamp = "2026-11-09T14:05:00Z";
    view.session_id = "s" + std::to_string(i % 50);
    view.path = "/p/" + std::to_string(i % 7);
    view.properties = R"({"title": ")" + padding + R"("})";
    views.push_back(std::move(view));
  }
  REQUIRE(load(conn, views) == views.size());
  const std::string summarize =
      "select sum(brin_summarize_new_values(indexrelid)) from pg_index where indrelid = "
      "'raw_data.page_views'::regclass and indexrelid in (select oid from pg_class where "
      "relam = (select oid from pg_am where amname = 'brin'))";
  // What a run finds: the pages written since the last summary are in ranges with none.
  REQUIRE(std::stoi(scalar(conn, "select pg_relation_size('raw_data.page_views') / 8192")) >
          3 * 128);
  run_models(db, false);
  CHECK(scalar(conn, summarize) == "0");
  CHECK(scalar(conn, "select count(*) from staging.stg_page_views") == "6000");
  // The check can fail: the same rows loaded again, without a run, leave ranges to summarize.
  for (auto& v : views) v.event_id.replace(9, 4, "4001");
  REQUIRE(load(conn, views) == views.size());
  CHECK(std::stoi(scalar(conn, summarize)) > 0);
}

TEST_CASE("daily buckets follow the reporting time zone var", "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  // UTC+14: day 1's sessions (10:00-12:00 UTC) fall on 2026-11-03; s4 and s5 (09:00, 09:30
  // UTC) stay on 2026-11-09; s6 (14:00 UTC) moves to 2026-11-10.
  run_models(db, false, "{reporting_time_zone: Pacific/Kiritimati}");
  CHECK(rows(conn,
             "select date, total_sessions, page_views from analytics.daily_metrics"
             " order by date") == rows_t{"2026-11-03|3|8", "2026-11-09|2|3", "2026-11-10|1|2"});
  // u2's second session (s6) is now 7 days after the cohort day, still week 1.
  CHECK(rows(conn, cohort_columns) == rows_t{"2026-11-03|0|2|2|45.00|1.0000",
                                             "2026-11-03|1|2|1|30.50|0.5000",
                                             "2026-11-09|0|1|1|0|1.0000"});

  SECTION("a zone name holding a quote is a value, never SQL") {
    const auto summary = run_project(db, run_command::run, true,
                                     "{reporting_time_zone: \"UTC'; drop table x; --\"}");
    CHECK(summary.failed());
    // The staging tables do not depend on the zone and were built; the zone only reaches
    // session_summary, whose statement PostgreSQL rejects as an unknown time zone.
    CHECK(scalar(conn, "select count(*) from staging.stg_page_views") == "14");
    bool zone_error = false;
    for (const auto& r : summary.results) {
      if (r.name == "session_summary") {
        CHECK(r.status == node_status::error);
        zone_error = r.message.find("time zone") != std::string::npos;
      }
    }
    CHECK(zone_error);
  }
}

TEST_CASE("every shipped data test passes on the fixed dataset",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  const auto summary = run_project(db, run_command::build, false);
  std::size_t tests = 0;
  for (const auto& r : summary.results) {
    INFO(r.unique_id << ": " << r.message);
    if (r.resource_type == "test") {
      ++tests;
      CHECK(r.status == node_status::pass);
    } else {
      CHECK(r.status == node_status::success);
    }
  }
  CHECK(tests >= 30);
}

TEST_CASE("a broken row fails the data test that guards it, and only that one",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  run_models(db, false);

  struct breakage {
    const char* sql;
    const char* test;    // the generic test's name
    const char* node;    // the tested model
    const char* column;  // the tested column
    node_status status;
  };
  const breakage cases[] = {
      {"update analytics.session_summary set session_outcome = 'abandoned' where session_id = 's5'",
       "accepted_values", "session_summary", "session_outcome", node_status::fail},
      {"update analytics.session_summary set session_date = null where session_id = 's2'",
       "not_null", "session_summary", "session_date", node_status::fail},
      {"insert into staging.int_product_events (event_id, line_no, action, session_id,"
       " product_id, loaded_at) values ('00000000-0000-4000-8000-000000009999', 0,"
       " 'product_view', 'no-such-session', 'p1', now())",
       "relationships", "int_product_events", "session_id", node_status::warn},
      {"insert into analytics.product_performance (product_id, total_events) values ('p404', 1)",
       "relationships", "product_performance", "product_id", node_status::warn},
      {"update staging.stg_page_views set event_id = '00000000-0000-4000-8000-000000000001'"
       " where event_id = '00000000-0000-4000-8000-000000000003'",
       "unique", "stg_page_views", "event_id", node_status::fail},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.test << " on " << c.node << "." << c.column) {
      if (std::string_view(c.node) == "stg_page_views") {
        // The staging table carries a unique index on event_id; drop it to plant the row.
        auto idx = conn.exec(
            "select indexname from pg_indexes where schemaname = 'staging' and tablename ="
            " 'stg_page_views' and indexdef like '%UNIQUE%'");
        if (!idx) FAIL(idx.error().message);
        for (int i = 0; i < idx->rows(); ++i) {
          auto drop = conn.exec("drop index staging.\"" + std::string(idx->get(i, 0)) + "\"");
          if (!drop) FAIL(drop.error().message);
        }
      }
      auto broken = conn.exec(c.sql);
      if (!broken) FAIL(broken.error().message);
      const auto summary = run_project(db, run_command::test, false);
      std::size_t hit = 0;
      for (const auto& r : summary.results) {
        INFO(r.unique_id << ": " << gg::transform::to_string(r.status) << " " << r.message);
        const bool guarded = r.name.rfind(c.test, 0) == 0 &&
                             r.tested_node.ends_with(std::string(".") + c.node) &&
                             r.tested_column == c.column;
        if (guarded) {
          ++hit;
          CHECK(r.status == c.status);
          REQUIRE(r.failures);
          CHECK(*r.failures == 1);
        } else {
          CHECK(r.status == node_status::pass);
        }
      }
      CHECK(hit == 1);
    }
  }
}

TEST_CASE("a product event whose session's page view never arrived warns and the models build",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  // s9's page view was lost on its way (its client got no answer); its product view arrived.
  raw_event view;
  view.table = "ecommerce_events";
  view.event_id = "00000000-0000-4000-8000-000000000901";
  view.type = "custom_event";
  view.event = "product_view";
  view.timestamp = "2026-11-02T14:00:00Z";
  view.session_id = "s9";
  view.properties =
      R"({"product_id": "p1", "name": "Phone", "brand": "Acme", "category": "Phones", "price": 20.00})";
  REQUIRE(load(conn, {view}) == 1);

  const auto summary = run_project(db, run_command::build, false);
  CHECK_FALSE(summary.failed());
  std::size_t warned = 0;
  for (const auto& r : summary.results) {
    INFO(r.unique_id << ": " << gg::transform::to_string(r.status) << " " << r.message);
    if (r.resource_type != "test") {
      CHECK(r.status == node_status::success);
    } else if (r.name.rfind("relationships", 0) == 0 &&
               r.tested_node.ends_with(".int_product_events") && r.tested_column == "session_id") {
      ++warned;
      CHECK(r.status == node_status::warn);
      REQUIRE(r.failures);
      CHECK(*r.failures == 1);
    } else {
      CHECK(r.status == node_status::pass);
    }
  }
  CHECK(warned == 1);
  // The fact counts where it belongs; the session it names has no summary.
  CHECK(scalar(conn, "select views from analytics.product_performance where product_id = 'p1'") ==
        "3");
  CHECK(scalar(conn, "select count(*) from analytics.session_summary where session_id = 's9'") ==
        "0");
}

TEST_CASE("simulated shoppers stay in staging and are left out of the models unless asked for",
          "[integration][transform][models]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = utc_connection(db);
  load_fixture(conn);
  // s8, day 1 13:00-13:03: a synthetic shopper's two page views, view and add of p1, and the
  // shop's order T8 for its checkout (p1 20.00 x1, total 22.50), each tagged _synthetic.
  const auto event = [](const char* table, const char* id, const char* type,
                        std::optional<std::string> name, const char* at,
                        std::optional<std::string> path, const char* properties) {
    raw_event e;
    e.table = table;
    e.event_id = id;
    e.type = type;
    e.event = std::move(name);
    e.timestamp = at;
    e.session_id = "s8";
    e.user_id = "u9";
    e.path = std::move(path);
    e.properties = properties;
    return e;
  };
  const std::vector<raw_event> synthetic = {
      event("page_views", "00000000-0000-4000-8000-000000000801", "page_view", std::nullopt,
            "2026-11-02T13:00:00Z", "/", R"({"title": "GadgetGrove", "_synthetic": true})"),
      event("page_views", "00000000-0000-4000-8000-000000000802", "page_view", std::nullopt,
            "2026-11-02T13:01:00Z", "/p/p1", R"({"_synthetic": true})"),
      event(
          "ecommerce_events", "00000000-0000-4000-8000-000000000803", "custom_event",
          "product_view", "2026-11-02T13:01:01Z", std::nullopt,
          R"({"_synthetic": true, "product_id": "p1", "name": "Phone", "brand": "Acme", "category": "Phones", "price": 20.00})"),
      event(
          "ecommerce_events", "00000000-0000-4000-8000-000000000804", "custom_event", "add_to_cart",
          "2026-11-02T13:02:00Z", std::nullopt,
          R"({"_synthetic": true, "product_id": "p1", "name": "Phone", "brand": "Acme", "category": "Phones", "price": 20.00, "quantity": 1})"),
      event(
          "ecommerce_events", "00000000-0000-4000-8000-000000000805", "custom_event",
          "order_completed", "2026-11-02T13:03:00Z", std::nullopt,
          R"({"order_id": "T8", "items": [{"product_id": "p1", "name": "Phone", "brand": "Acme", "category": "Phones", "price": 20.00, "quantity": 1}], "item_count": 1, "subtotal": 20.00, "shipping": 0, "tax": 2.50, "total": 22.50, "currency": "USD", "_synthetic": true})"),
  };
  REQUIRE(load(conn, synthetic) == 5);

  const char* const daily =
      "select date, total_sessions, sessions, synthetic_sessions, page_views, product_views,"
      " add_to_cart_events, purchase_events, total_revenue from analytics.daily_metrics"
      " order by date";
  const char* const p1 =
      "select views, cart_adds, purchases, units_sold, revenue from analytics.product_performance"
      " where product_id = 'p1'";

  run_models(db, false);
  // Staging keeps them, flagged, so they can be counted apart.
  CHECK(scalar(conn, "select count(*) from staging.stg_page_views where is_synthetic") == "2");
  CHECK(scalar(conn, "select count(*) from staging.stg_ecommerce_events where is_synthetic") ==
        "3");
  // The models are as if s8 never happened (the numbers of the fixed dataset).
  CHECK(scalar(conn, "select count(*) from analytics.session_summary where session_id = 's8'") ==
        "0");
  CHECK(rows(conn, daily) ==
        rows_t{"2026-11-02|3|3|0|8|4|3|1|45.00", "2026-11-09|3|3|0|5|1|1|1|30.50"});
  CHECK(rows(conn, p1) == rows_t{"2|1|1|2|40.00"});
  CHECK(scalar(conn, "select count(*) from staging.int_product_events where is_synthetic") == "0");

  // With the var (serve's traffic demo sets it) they count, and are still told apart.
  run_models(db, true, "{include_synthetic: true}");
  CHECK(rows(conn,
             "select session_id, total_page_views, purchases, purchase_value, session_outcome,"
             " is_synthetic from analytics.session_summary where is_synthetic") ==
        rows_t{"s8|2|1|22.50|purchase|t"});
  CHECK(rows(conn, daily) ==
        rows_t{"2026-11-02|4|3|1|10|5|4|2|67.50", "2026-11-09|3|3|0|5|1|1|1|30.50"});
  CHECK(rows(conn, p1) == rows_t{"3|2|2|3|60.00"});
}
