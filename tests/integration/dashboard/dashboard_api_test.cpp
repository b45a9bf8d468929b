// GET /api/dashboard/<panel> over a real socket, on the transform tests' fixed dataset
// (tests/integration/transform_models/load1.tsv and load2.tsv) after the shipped models ran.
// Every expected number below is computed by hand from the dataset, as listed here; none
// comes from the models' or the panels' SQL.
//
// Sessions (human, with page views; days in UTC; day 1 = 2026-11-02, day 2 = 2026-11-09):
//   s1 u1 day 1  /, /p/p1, /cart      views p1, order T1 (p1 x2 at 20.00, total 45.00)
//                                     outcome purchase, revenue 45.00, landing utm_source
//                                     Newsletter -> source "newsletter"
//   s2 u2 day 1  /, /p/p2             views p2, adds p2, checkout error -> checkout_error;
//                                     referrer www.google.com -> "google.com"
//   s3 u1 day 1  /p/p1, /p/p2, /p/p1  views p1 and p2, adds p2 -> cart_abandonment; direct
//   s4 u3 day 2  /, /p/p3             views p3, adds p3 (second load) -> cart_abandonment;
//                                     referrer duckduckgo.com
//   s5 -- day 2  /                    bounce; direct
//   s6 u2 day 2  /, /checkout         adds p3, browser purchase T6 30.50 -> purchase;
//                                     referrer www.google.com -> "google.com"
//   (s7 is a crawler's and counts nowhere.)
// Funnel stages reached: s1 5 (purchase), s2 4, s3 4, s4 4, s5 1, s6 5.
#include <gadgetgrove/dashboard/dashboard_routes.hpp>

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include "http_client.hpp"
#include "model_fixture.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace gg::test::models;
using gg::test::http_client;

fs::path fixture(const char* name) {
  return project_dir().parent_path().parent_path() / "tests/integration/transform_models" / name;
}

/// The dashboard routes on 127.0.0.1:0 with a pool on `db` and a blocking pool of two threads.
class dashboard_server {
 public:
  explicit dashboard_server(const gg::test::pg_database& db,
                            std::vector<gg::dashboard::flow_health> flows = {},
                            bool includes_synthetic = false)
      : pool_(gg::pg::pool_options{.conninfo = db.conninfo(), .size = 2, .name = "dashboard"}) {
    gg::http::router routes;
    gg::dashboard::dashboard_options o;
    o.time_zone = "UTC";
    o.flows = [flows] { return flows; };
    o.includes_synthetic = includes_synthetic;
    auto st = gg::dashboard::add_dashboard_routes(
        routes, [this] { return &pool_; }, blocking_.get_executor(), std::move(o));
    if (!st) FAIL(st.error().message);
    gg::http::server_options opts;
    opts.name = "admin";
    opts.host = "127.0.0.1";
    opts.port = 0;
    server_.emplace(ioc_, std::move(opts), std::make_shared<gg::http::router>(std::move(routes)));
    auto ep = server_->listen();
    REQUIRE(ep.has_value());
    port_ = ep->port;
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~dashboard_server() {
    server_->stop();
    (void)server_->drain(std::chrono::steady_clock::now() + 5s);
    blocking_.join();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  /// GET `target`: the status and the parsed body (a failed test when it is not JSON).
  std::pair<unsigned, json::value> get(const std::string& target) {
    http_client c(port_);
    auto reply = c.get(target);
    INFO(target << " -> " << reply.status << " " << reply.body);
    CHECK(reply.header("Cache-Control").value_or("") == "no-store");
    CHECK(reply.header("Content-Type").value_or("").starts_with("application/json"));
    boost::system::error_code ec;
    auto v = json::parse(reply.body, ec);
    REQUIRE_FALSE(ec);
    last_body_ = reply.body;
    return {reply.status, v};
  }

  /// The body of a 200 answer.
  json::object ok(const std::string& target) {
    auto [status, v] = get(target);
    INFO(target << ": " << last_body_);
    REQUIRE(status == 200);
    REQUIRE(v.is_object());
    return v.as_object();
  }

  const std::string& last_body() const { return last_body_; }

 private:
  gg::pg::pool pool_;
  boost::asio::thread_pool blocking_{2};
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::optional<gg::http::server> server_;
  std::vector<std::thread> threads_;
  unsigned short port_ = 0;
  std::string last_body_;
};

double num(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  REQUIRE(v.is_double());
  return v.as_double();
}

std::int64_t count(const json::value& v) {
  REQUIRE(v.is_int64());
  return v.as_int64();
}

std::string str(const json::value& v) {
  REQUIRE(v.is_string());
  return std::string(v.as_string());
}

const json::object& obj(const json::value& v) {
  REQUIRE(v.is_object());
  return v.as_object();
}

const json::array& arr(const json::value& v) {
  REQUIRE(v.is_array());
  return v.as_array();
}

void load_dataset(const gg::test::pg_database& db) {
  auto conn = db.connect();
  load_products(conn);
  REQUIRE(load(conn, read_events(fixture("load1.tsv"))) == 35);
  REQUIRE(load(conn, read_events(fixture("load2.tsv"))) == 1);
  // The fixture has no URLs or referrers: the landing page views get them here.
  auto r = conn.exec(
      "update raw_data.page_views set url = $1 where event_id = "
      "'00000000-0000-4000-8000-000000000001'",
      "https://shop.example/?utm_source=Newsletter&utm_medium=email");
  if (!r) FAIL(r.error().message);
  for (const auto& [id, referrer] :
       {std::pair{"00000000-0000-4000-8000-000000000010", "https://www.google.com/search?q=x"},
        std::pair{"00000000-0000-4000-8000-000000000024", "https://duckduckgo.com/"},
        std::pair{"00000000-0000-4000-8000-000000000029", "https://www.google.com/"}}) {
    auto u = conn.exec(
        "update raw_data.page_views set properties = properties || jsonb_build_object("
        "'referrer', $2::text) where event_id = $1::uuid",
        id, referrer);
    if (!u) FAIL(u.error().message);
  }
  run_models(db);
}

// The KPI values of a kpis answer, as "sessions|conversion|revenue|aov" for both periods.
std::string kpi_line(const json::object& body, const char* which) {
  const auto& k = obj(body.at("kpis"));
  auto part = [&](const char* name) -> std::string {
    const auto& v = obj(k.at(name)).at(which);
    if (v.is_null()) return "null";
    std::ostringstream out;
    out << num(v);
    return out.str();
  };
  return part("total_sessions") + "|" + part("conversion_rate") + "|" + part("total_revenue") +
         "|" + part("avg_order_value");
}

}  // namespace

TEST_CASE("the dashboard panels give the hand-computed numbers of the fixed dataset",
          "[integration][dashboard]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  load_dataset(db);
  dashboard_server server(db);
  const std::string week = "start=2026-11-03&end=2026-11-09";  // day 2; previous: day 1
  const std::string both = "start=2026-11-02&end=2026-11-09";

  SECTION("kpis: the range and the previous period of the same length") {
    auto body = server.ok("/api/dashboard/kpis?" + week);
    CHECK(kpi_line(body, "value") == "3|0.333333|30.5|30.5");
    CHECK(kpi_line(body, "previous") == "3|0.333333|45|45");
    CHECK(server.last_body().find(R"("total_revenue":{"value":30.50,"previous":45.00})") !=
          std::string::npos);
    CHECK(str(obj(body.at("range")).at("start")) == "2026-11-03");
    CHECK(str(obj(body.at("range")).at("end")) == "2026-11-09");
    CHECK(str(obj(body.at("previous")).at("start")) == "2026-10-27");
    CHECK(str(obj(body.at("previous")).at("end")) == "2026-11-02");
    CHECK(str(body.at("timezone")) == "UTC");
    CHECK(body.at("as_of").is_string());
    CHECK(obj(body.at("filters")).empty());
  }

  SECTION("kpis with a filter of each kind") {
    // Viewed p1: s1 and s3; one purchase of 45.00.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&product=p1"), "value") ==
          "2|0.5|45|45");
    // Viewed an Accessories product (p2): s2 and s3, no order.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&category=Accessories"), "value") ==
          "2|0|0|null");
    // Outcome purchase: s1 and s6.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&outcome=purchase"), "value") ==
          "2|1|75.5|37.75");
    // Viewed /cart: s1.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&page=%2Fcart"), "value") ==
          "1|1|45|45");
    // From google.com: s2 and s6.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&source=google.com"), "value") ==
          "2|0.5|30.5|30.5");
    // Filters that the per-day tables cannot answer together go through the sessions:
    // product p1 from the newsletter: s1; viewed /p/p1 and an Accessories product: s3.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&product=p1&source=newsletter"),
                   "value") == "1|1|45|45");
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&page=/p/p1&category=Accessories"),
                   "value") == "1|0|0|null");
    // A product filter with an outcome: the per-day table of filtered sessions.
    CHECK(kpi_line(server.ok("/api/dashboard/kpis?" + both + "&product=p1&outcome=purchase"),
                   "value") == "1|1|45|45");
    // Two filters AND: google.com and checkout_error: s2.
    auto body =
        server.ok("/api/dashboard/kpis?" + both + "&source=google.com&outcome=checkout_error");
    CHECK(kpi_line(body, "value") == "1|0|0|null");
    CHECK(str(obj(body.at("filters")).at("source")) == "google.com");
    CHECK(str(obj(body.at("filters")).at("outcome")) == "checkout_error");
  }

  SECTION("daily: every day of the range, with the same offset day of the previous period") {
    auto body = server.ok("/api/dashboard/daily?" + week);
    const auto& days = arr(body.at("days"));
    REQUIRE(days.size() == 7);
    for (std::size_t i = 0; i < 6; ++i) {
      const auto& d = obj(days[i]);
      CHECK(count(d.at("sessions")) == 0);
      CHECK(num(d.at("revenue")) == 0);
      CHECK(count(d.at("previous_sessions")) == 0);
    }
    CHECK(str(obj(days[0]).at("day")) == "2026-11-03");
    const auto& last = obj(days[6]);
    CHECK(str(last.at("day")) == "2026-11-09");
    CHECK(count(last.at("sessions")) == 3);
    CHECK(num(last.at("revenue")) == 30.5);
    CHECK(count(last.at("orders")) == 1);
    CHECK(count(last.at("previous_sessions")) == 3);  // 2026-11-02
    CHECK(num(last.at("previous_revenue")) == 45.0);
    // With the page filter /p/p1 (s1, s3 on day 1): day 1 only.
    auto filtered = server.ok("/api/dashboard/daily?start=2026-11-02&end=2026-11-02&page=/p/p1");
    const auto& one = arr(filtered.at("days"));
    REQUIRE(one.size() == 1);
    CHECK(count(obj(one[0]).at("sessions")) == 2);
    CHECK(num(obj(one[0]).at("revenue")) == 45.0);
  }

  SECTION("outcomes: all five in the fixed order, with the previous period") {
    auto body = server.ok("/api/dashboard/outcomes?" + week);
    const auto& list = arr(body.at("outcomes"));
    REQUIRE(list.size() == 5);
    const char* names[] = {"purchase", "checkout_error", "cart_abandonment", "browse_only",
                           "bounce"};
    const std::int64_t now[] = {1, 0, 1, 0, 1};   // s6, s4, s5
    const std::int64_t prev[] = {1, 1, 1, 0, 0};  // s1, s2, s3
    for (std::size_t i = 0; i < 5; ++i) {
      INFO(names[i]);
      CHECK(str(obj(list[i]).at("outcome")) == names[i]);
      CHECK(count(obj(list[i]).at("sessions")) == now[i]);
      CHECK(count(obj(list[i]).at("previous_sessions")) == prev[i]);
    }
    // Category Accessories: s2 (checkout_error) and s3 (cart_abandonment).
    auto cat = server.ok("/api/dashboard/outcomes?" + both + "&category=Accessories");
    const auto& c = arr(cat.at("outcomes"));
    CHECK(count(obj(c[0]).at("sessions")) == 0);
    CHECK(count(obj(c[1]).at("sessions")) == 1);
    CHECK(count(obj(c[2]).at("sessions")) == 1);
  }

  SECTION("funnel: five nested stages with the step and overall rates") {
    auto body = server.ok("/api/dashboard/funnel?" + both);
    const auto& stages = arr(body.at("stages"));
    REQUIRE(stages.size() == 5);
    const char* keys[] = {"sessions", "browse", "product", "cart", "purchase"};
    const char* labels[] = {"Sessions", "Browsed categories", "Viewed product", "Added to cart",
                            "Purchased"};
    const std::int64_t n[] = {6, 5, 5, 5, 2};
    for (std::size_t i = 0; i < 5; ++i) {
      const auto& s = obj(stages[i]);
      INFO(keys[i]);
      CHECK(str(s.at("stage")) == keys[i]);
      CHECK(str(s.at("label")) == labels[i]);
      CHECK(count(s.at("sessions")) == n[i]);
    }
    CHECK(num(obj(stages[0]).at("of_previous")) == 1.0);
    CHECK(num(obj(stages[1]).at("of_previous")) == Approx(5.0 / 6));
    CHECK(num(obj(stages[4]).at("of_previous")) == Approx(2.0 / 5));
    CHECK(num(obj(stages[4]).at("of_first")) == Approx(2.0 / 6));
    // Outcome purchase: s1 and s6 reached every stage.
    auto bought = server.ok("/api/dashboard/funnel?" + both + "&outcome=purchase");
    for (const auto& s : arr(bought.at("stages"))) CHECK(count(obj(s).at("sessions")) == 2);
    // Nothing in the range: counts 0, rates null.
    auto empty = server.ok("/api/dashboard/funnel?start=2025-01-01&end=2025-01-31");
    for (const auto& s : arr(empty.at("stages"))) {
      CHECK(count(obj(s).at("sessions")) == 0);
      CHECK(obj(s).at("of_previous").is_null());
      CHECK(obj(s).at("of_first").is_null());
    }
  }

  SECTION("products: top by revenue, ties by name, with a product filter") {
    auto body = server.ok("/api/dashboard/products?" + both);
    const auto& list = arr(body.at("products"));
    REQUIRE(list.size() == 3);
    // p1: views s1, s3; 2 sold at 20.00. p2 (Cable): views s2, s3. p3 (Speaker): view s4.
    const auto& p1 = obj(list[0]);
    CHECK(str(p1.at("product_id")) == "p1");
    CHECK(str(p1.at("name")) == "Phone");
    CHECK(str(p1.at("brand")) == "Acme");
    CHECK(str(p1.at("category")) == "Phones");
    CHECK(num(p1.at("revenue")) == 40.0);
    CHECK(count(p1.at("units_sold")) == 2);
    CHECK(count(p1.at("views")) == 2);
    CHECK(str(obj(list[1]).at("product_id")) == "p2");
    CHECK(count(obj(list[1]).at("views")) == 2);
    CHECK(num(obj(list[1]).at("revenue")) == 0.0);
    CHECK(str(obj(list[2]).at("product_id")) == "p3");
    CHECK(count(obj(list[2]).at("views")) == 1);
    // Sessions that viewed p1 (s1, s3) viewed p1 twice and p2 once.
    auto filtered = server.ok("/api/dashboard/products?" + both + "&product=p1");
    const auto& f = arr(filtered.at("products"));
    REQUIRE(f.size() == 2);
    CHECK(str(obj(f[0]).at("product_id")) == "p1");
    CHECK(count(obj(f[0]).at("views")) == 2);
    CHECK(num(obj(f[0]).at("revenue")) == 40.0);
    CHECK(str(obj(f[1]).at("product_id")) == "p2");
    CHECK(count(obj(f[1]).at("views")) == 1);
  }

  SECTION("cohorts: weeks 0 to 8 of the cohorts that start in the range") {
    auto body = server.ok("/api/dashboard/cohorts?" + both);
    const auto& list = arr(body.at("cohorts"));
    REQUIRE(list.size() == 2);
    // 2026-11-02: u1 and u2; u2 is back a week later (s6).
    const auto& first = obj(list[0]);
    CHECK(str(first.at("cohort")) == "2026-11-02");
    CHECK(count(first.at("size")) == 2);
    const auto& weeks = arr(first.at("weeks"));
    REQUIRE(weeks.size() == 9);
    CHECK(count(obj(weeks[0]).at("active")) == 2);
    CHECK(num(obj(weeks[0]).at("retention")) == 1.0);
    CHECK(count(obj(weeks[1]).at("active")) == 1);
    CHECK(num(obj(weeks[1]).at("retention")) == 0.5);
    for (std::size_t k = 2; k < 9; ++k) {
      CHECK(count(obj(weeks[k]).at("week")) == static_cast<std::int64_t>(k));
      CHECK(count(obj(weeks[k]).at("active")) == 0);
    }
    CHECK(str(obj(list[1]).at("cohort")) == "2026-11-09");  // u3
    CHECK(count(obj(list[1]).at("size")) == 1);
    // From google.com: only u2's sessions (s2 on day 1, s6 a week later).
    auto google = server.ok("/api/dashboard/cohorts?" + both + "&source=google.com");
    const auto& g = arr(google.at("cohorts"));
    REQUIRE(g.size() == 1);
    CHECK(count(obj(g[0]).at("size")) == 1);
    CHECK(count(obj(arr(obj(g[0]).at("weeks"))[1]).at("active")) == 1);
  }

  SECTION("pages: views, daily visitors, entries and exits") {
    auto body = server.ok("/api/dashboard/pages?" + both);
    const auto& list = arr(body.at("pages"));
    // path|views|visitors|entries|exits, by views then path.
    std::vector<std::string> got;
    for (const auto& p : list) {
      const auto& o = obj(p);
      got.push_back(str(o.at("path")) + "|" + std::to_string(count(o.at("views"))) + "|" +
                    std::to_string(count(o.at("visitors"))) + "|" +
                    std::to_string(count(o.at("entries"))) + "|" +
                    std::to_string(count(o.at("exits"))));
    }
    CHECK(got == std::vector<std::string>{"/|5|5|5|1", "/p/p1|3|1|1|1", "/p/p2|2|2|0|1",
                                          "/cart|1|1|0|1", "/checkout|1|1|0|1", "/p/p3|1|1|0|1"});
    // Sessions that viewed /cart: s1 only.
    auto cart = server.ok("/api/dashboard/pages?" + both + "&page=%2Fcart");
    got.clear();
    for (const auto& p : arr(cart.at("pages"))) {
      got.push_back(str(obj(p).at("path")) + "|" + std::to_string(count(obj(p).at("views"))));
    }
    CHECK(got == std::vector<std::string>{"/|1", "/cart|1", "/p/p1|1"});
    // Two filters go through the sessions rather than the per-filter table: s1 again.
    auto two = server.ok("/api/dashboard/pages?" + both + "&page=%2Fcart&outcome=purchase");
    got.clear();
    for (const auto& p : arr(two.at("pages"))) {
      got.push_back(str(obj(p).at("path")) + "|" + std::to_string(count(obj(p).at("views"))));
    }
    CHECK(got == std::vector<std::string>{"/|1", "/cart|1", "/p/p1|1"});
  }

  SECTION("sources: utm_source, else the referrer's host, else (direct)") {
    auto body = server.ok("/api/dashboard/sources?" + both);
    std::vector<std::string> got;
    for (const auto& s : arr(body.at("sources"))) {
      const auto& o = obj(s);
      got.push_back(str(o.at("source")) + "|" + std::to_string(count(o.at("sessions"))) + "|" +
                    std::to_string(count(o.at("visitors"))));
    }
    // u2 came from google.com on both days: a visitor per day.
    CHECK(got == std::vector<std::string>{"(direct)|2|2", "google.com|2|2", "duckduckgo.com|1|1",
                                          "newsletter|1|1"});
    auto bought = server.ok("/api/dashboard/sources?" + both + "&outcome=purchase");
    got.clear();
    for (const auto& s : arr(bought.at("sources"))) {
      got.push_back(str(obj(s).at("source")) + "|" + std::to_string(count(obj(s).at("sessions"))));
    }
    CHECK(got == std::vector<std::string>{"google.com|1", "newsletter|1"});
    auto two = server.ok("/api/dashboard/sources?" + both + "&outcome=purchase&source=newsletter");
    got.clear();
    for (const auto& s : arr(two.at("sources"))) {
      got.push_back(str(obj(s).at("source")) + "|" + std::to_string(count(obj(s).at("sessions"))));
    }
    CHECK(got == std::vector<std::string>{"newsletter|1"});
  }

  SECTION("a hostile filter value is data: it matches nothing and runs nothing") {
    auto body = server.ok("/api/dashboard/kpis?" + both +
                          "&product=%27%3B%20drop%20table%20raw_data.page_views%3B%20--");
    CHECK(kpi_line(body, "value") == "0|null|0|null");
    CHECK(str(obj(body.at("filters")).at("product")) == "'; drop table raw_data.page_views; --");
    auto conn = db.connect();
    CHECK(scalar(conn, "select count(*) from raw_data.page_views") == "14");
  }
}

TEST_CASE("the live and health panels read the newest raw events and the flows",
          "[integration][dashboard]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  load_dataset(db);
  using std::chrono::minutes;
  using std::chrono::seconds;
  const auto now = gg::now_us();
  auto at = [&](auto ago) { return gg::format_iso8601_us(now - ago); };
  auto conn = db.connect();
  std::vector<raw_event> recent;
  auto event = [&](const char* table, const char* id, const char* type, const char* name,
                   std::string ts, const char* session, const char* user, const char* path,
                   const char* props, bool bot) {
    raw_event e;
    e.table = table;
    e.event_id = id;
    e.type = type;
    if (name != nullptr) e.event = name;
    e.timestamp = std::move(ts);
    e.session_id = session;
    e.user_id = user;
    if (path != nullptr) e.path = path;
    e.properties = props;
    e.is_bot = bot;
    recent.push_back(std::move(e));
  };
  event("page_views", "10000000-0000-4000-8000-000000000001", "page_view", nullptr, at(minutes(2)),
        "L1", "v1", "/", "{}", false);
  event("ecommerce_events", "10000000-0000-4000-8000-000000000002", "custom_event", "product_view",
        at(minutes(2)), "L1", "v1", nullptr, R"({"product_id": "p1", "category": "Phones"})",
        false);
  event("page_views", "10000000-0000-4000-8000-000000000003", "page_view", nullptr, at(minutes(10)),
        "L2", "v2", "/p/p2", "{}", false);
  event("page_views", "10000000-0000-4000-8000-000000000004", "page_view", nullptr, at(seconds(20)),
        "L3", "crawler", "/", "{}", true);
  REQUIRE(load(conn, recent) == 4);

  std::vector<gg::dashboard::flow_health> flows{
      {"load", "succeeded", std::chrono::system_clock::time_point(now - seconds(30)), false},
      {"transform", "failed", std::nullopt, true}};
  dashboard_server server(db, flows);

  SECTION("live: the last 5 minutes and 30 minutes per minute, bots left out") {
    auto body = server.ok("/api/dashboard/live");
    CHECK(count(body.at("events_5m")) == 2);
    CHECK(count(body.at("visitors_5m")) == 1);
    const auto& per = arr(body.at("per_minute"));
    REQUIRE(per.size() == 30);
    std::int64_t events = 0;
    std::string previous;
    for (const auto& m : per) {
      events += count(obj(m).at("events"));
      const auto minute = str(obj(m).at("minute"));
      CHECK(minute > previous);  // oldest first
      previous = minute;
    }
    CHECK(events == 3);
    // The event minutes, as the panel names them (to the minute, UTC).
    auto minute_of = [&](auto ago) {
      auto t = std::chrono::floor<minutes>(now - ago);
      return gg::format_iso8601_us(t);
    };
    std::map<std::string, std::int64_t> by_minute;
    for (const auto& m : per) by_minute[str(obj(m).at("minute"))] = count(obj(m).at("events"));
    CHECK(by_minute[minute_of(minutes(2))] == 2);
    CHECK(by_minute[minute_of(minutes(10))] == 1);
    CHECK(body.at("as_of").is_string());
    // Filters apply: product p1 (L1) and page /p/p2 (L2).
    auto p1 = server.ok("/api/dashboard/live?product=p1");
    CHECK(count(p1.at("events_5m")) == 2);
    auto p2 = server.ok("/api/dashboard/live?page=/p/p2");
    CHECK(count(p2.at("events_5m")) == 0);
    std::int64_t p2_events = 0;
    for (const auto& m : arr(p2.at("per_minute"))) p2_events += count(obj(m).at("events"));
    CHECK(p2_events == 1);
    auto cat = server.ok("/api/dashboard/live?category=Phones");
    CHECK(count(cat.at("events_5m")) == 2);
  }

  SECTION("health: events per second, loader lag, the last transform and stale flows") {
    auto body = server.ok("/api/dashboard/health");
    CHECK(num(body.at("events_per_second")) == Approx(1.0 / 60));  // the crawler, 20 s ago
    const auto lag = num(body.at("loader_lag_seconds"));
    CHECK(lag >= 19);
    CHECK(lag < 120);
    CHECK(body.at("last_transform").is_string());
    CHECK(body.at("data_as_of").is_string());
    CHECK(body.at("stale").as_bool());
    const auto& stale = arr(body.at("stale_flows"));
    REQUIRE(stale.size() == 1);
    CHECK(str(stale[0]) == "transform");
    const auto& list = arr(body.at("flows"));
    REQUIRE(list.size() == 2);
    CHECK(str(obj(list[0]).at("name")) == "load");
    CHECK(str(obj(list[0]).at("state")) == "succeeded");
    CHECK(obj(list[0]).at("last_success").is_string());
    CHECK(obj(list[1]).at("last_success").is_null());
  }
}

TEST_CASE("on an empty database every panel answers zeros, empty lists and nulls",
          "[integration][dashboard]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  dashboard_server server(db);
  auto kpis = server.ok("/api/dashboard/kpis");
  CHECK(kpi_line(kpis, "value") == "0|null|0|null");
  CHECK(kpi_line(kpis, "previous") == "0|null|0|null");
  CHECK(kpis.at("as_of").is_null());
  auto daily = server.ok("/api/dashboard/daily");
  CHECK(arr(daily.at("days")).size() == 30);  // the default range: the last 30 days
  const auto today = gg::format_iso8601_us(gg::now_us()).substr(0, 10);
  CHECK(str(obj(daily.at("range")).at("end")) == today);
  for (const auto& d : arr(daily.at("days"))) CHECK(count(obj(d).at("sessions")) == 0);
  auto outcomes = server.ok("/api/dashboard/outcomes");
  for (const auto& o : arr(outcomes.at("outcomes"))) {
    CHECK(count(obj(o).at("sessions")) == 0);
  }
  for (const char* p : {"products", "cohorts", "pages", "sources"}) {
    INFO(p);
    auto body = server.ok(std::string("/api/dashboard/") + p);
    CHECK(arr(body.at(p)).empty());
  }
  auto live = server.ok("/api/dashboard/live?outcome=purchase");
  CHECK(count(live.at("events_5m")) == 0);
  CHECK(arr(live.at("per_minute")).size() == 30);
  auto health = server.ok("/api/dashboard/health");
  CHECK(health.at("loader_lag_seconds").is_null());
  CHECK(health.at("last_transform").is_null());
  CHECK(health.at("data_as_of").is_null());
  CHECK_FALSE(health.at("stale").as_bool());
  CHECK_FALSE(health.at("includes_synthetic").as_bool());
}

TEST_CASE("health says when the figures include synthetic traffic", "[integration][dashboard]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  dashboard_server server(db, {}, true);
  CHECK(server.ok("/api/dashboard/health").at("includes_synthetic").as_bool());
}

TEST_CASE("a bad query is a 400 with the reason and an unknown panel a 404",
          "[integration][dashboard]") {
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  dashboard_server server(db);
  const std::pair<std::string, std::string> bad[] = {
      {"start=2026-13-01", "start"},
      {"start=2026-11-09&end=2026-11-01", "before start"},
      {"start=2020-01-01&end=2023-01-01", "1097 days"},
      {"foo=1", "unknown query key"},
      {"start=2026-11-01&start=2026-11-02", "more than once"},
      {"start=2026-11-01%27%3B%20drop%20table%20raw_data.page_views%3B--", "start"},
      {"page=%2Fa%00b", "NUL"},
      {"source=%FF%FE", "UTF-8"},
      {"category=" + std::string(201, 'x'), "longer than 200"},
      {"outcome=refund", "outcome"},
  };
  for (const auto& [query, reason] : bad) {
    INFO(query);
    auto [status, body] = server.get("/api/dashboard/kpis?" + query);
    CHECK(status == 400);
    REQUIRE(body.is_object());
    CHECK(str(body.as_object().at("error")).find(reason) != std::string::npos);
  }
  auto [status, body] = server.get("/api/dashboard/nope");
  CHECK(status == 404);
  CHECK(body.as_object().contains("error"));
  auto conn = db.connect();
  CHECK(scalar(conn, "select to_regclass('raw_data.page_views') is not null") == "t");
}
