// Property: the dashboard's per-day tables (sql/transform/models/dashboard), refreshed
// incrementally by day after each of many small random loads, hold exactly the rows a full
// refresh computes. The world is built to move what the per-day tables are keyed by: sessions
// whose events span two days arrive out of order, so a late page view with an earlier time
// moves a session's day (its former day must lose it); a second identify switches a session's
// user (the former user's cohort must lose it); outcomes, products, categories, pages and
// sources of a session change as its events arrive; some loads carry a load time from before
// the previous run. The reporting zone is UTC or one far from it, so days cut elsewhere.
// Seeded: the seed is printed and GG_TEST_SEED replays it.
#include "model_fixture.hpp"

#include <gadgetgrove/core/prng.hpp>

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>
#include <test_seed.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace gg::test::models;

/// Random raw events of 16 sessions over 22 days, 8 users (two sessions each), 4 products (p4 is
/// not in the catalog and names its own category), 5 paths and 4 referrers.
class dashboard_world {
 public:
  explicit dashboard_world(std::uint64_t seed) : rng_(seed) {}

  raw_event next() {
    if (!sent_.empty() && rng_.chance(0.08)) return sent_[rng_.below(sent_.size())];
    const auto session = static_cast<int>(rng_.below(16));
    // A session's events fall on its base day or the next one, at any hour. A user's two
    // sessions (s and s + 8) are 15 days apart, so a cohort spans weeks.
    const int day = 1 + session % 5 * 5 + static_cast<int>(rng_.below(2));
    raw_event e = event_for(session, day, static_cast<int>(rng_.between(0, 23)));
    sent_.push_back(e);
    return e;
  }

  /// A human page view of `session` of path / at `timestamp`.
  raw_event page_view(int session, const std::string& timestamp) {
    raw_event e = event_for(session, 1, 0);
    e.table = "page_views";
    e.type = "page_view";
    e.event = std::nullopt;
    e.timestamp = timestamp;
    e.path = "/";
    e.properties = "{\"title\": \"GadgetGrove\"}";
    e.is_bot = false;
    sent_.push_back(e);
    return e;
  }

  /// The latest identify of `session` (after all its other events), naming `user`.
  raw_event late_identify(int session, const std::string& user) {
    raw_event e = event_for(session, 28, 23);
    e.table = "user_events";
    e.type = "identify";
    e.event = std::nullopt;
    e.path = std::nullopt;
    e.timestamp = "2026-11-28 23:59:59+00";
    e.user_id = user;
    e.properties = "{\"name\": \"Late\", \"email\": \"late@example.com\"}";
    e.is_bot = false;
    sent_.push_back(e);
    return e;
  }

  gg::prng& rng() { return rng_; }

 private:
  raw_event event_for(int session, int day, int hour) {
    raw_event e;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llu",
                  static_cast<unsigned long long>(++count_));
    e.event_id = id;
    e.session_id = "s" + std::to_string(session);
    if (session % 4 != 3) e.user_id = "u" + std::to_string(session % 8);
    char ts[40];
    std::snprintf(ts, sizeof ts, "2026-11-%02d %02d:%02d:%02d+00", day, hour,
                  static_cast<int>(rng_.between(0, 59)), static_cast<int>(rng_.between(0, 59)));
    e.timestamp = ts;
    e.is_bot = rng_.chance(0.03);
    static const char* const products[] = {"p1", "p2", "p3", "p4"};
    const std::string product = products[rng_.below(4)];
    const std::string item = "{\"product_id\": \"" + product +
                             "\", \"category\": \"Gadgets\", \"price\": 20.00, \"quantity\": " +
                             std::to_string(rng_.between(1, 3)) + "}";
    const std::string order = "T" + std::to_string(session) + "-" + std::to_string(rng_.below(2));
    const auto kind = rng_.below(100);
    e.type = "custom_event";
    if (kind < 45) {
      static const char* const paths[] = {"/", "/p/p1", "/p/p2", "/cart", "/checkout"};
      static const char* const referrers[] = {"", "https://www.google.com/search?q=x",
                                              "https://duckduckgo.com/", "http://news.example/a"};
      e.table = "page_views";
      e.type = "page_view";
      e.path = paths[rng_.below(5)];
      const std::string referrer = referrers[rng_.below(4)];
      e.properties = referrer.empty()
                         ? std::string("{\"title\": \"GadgetGrove\"}")
                         : "{\"title\": \"GadgetGrove\", \"referrer\": \"" + referrer + "\"}";
    } else if (kind < 55) {
      e.table = "user_events";
      e.type = "identify";
      // Now and then another user logs in on the session.
      if (rng_.chance(0.3)) e.user_id = "u" + std::to_string((session + 1) % 8);
      e.properties = "{\"name\": \"User\", \"email\": \"u@example.com\"}";
    } else {
      e.table = "ecommerce_events";
      switch (rng_.below(6)) {
        case 0:
        case 1:
          e.event = "product_view";
          e.properties = item;
          break;
        case 2:
          e.event = "add_to_cart";
          e.properties = item;
          break;
        case 3:
          e.event = "order_completed";
          e.properties = "{\"order_id\": \"" + order + "\", \"items\": [" + item +
                         "], \"total\": " + std::to_string(rng_.between(10, 90)) + ".50}";
          break;
        case 4:
          e.event = "purchase";
          e.properties = "{\"transaction_id\": \"" + order + "\", \"value\": 12.25}";
          break;
        default:
          e.event = "order_failed";
          e.properties = "{\"order_id\": \"" + order + "\", \"reason\": \"Payment Declined\"}";
      }
    }
    return e;
  }

  gg::prng rng_;
  std::uint64_t count_ = 0;
  std::vector<raw_event> sent_;
};

std::vector<std::string> dashboard_relations() {
  std::vector<std::string> out;
  for (const auto& rel : model_relations()) {
    if (rel.rfind("analytics.dashboard_", 0) == 0) out.push_back(rel);
  }
  // The contributions the retract strategy keeps beside dashboard_filtered_{pages,cohorts}.
  out.push_back("analytics.dashboard_filtered_pages__contributions");
  out.push_back("analytics.dashboard_filtered_cohorts__contributions");
  return out;
}

/// session_id -> (session_date, user_id) of analytics.dashboard_sessions.
std::map<std::string, std::string> session_days_and_users(gg::pg::connection& conn) {
  std::map<std::string, std::string> out;
  for (const auto& row :
       rows(conn,
            "select session_id || '|' || session_date || '|' || coalesce(user_id, '-') "
            "from analytics.dashboard_sessions")) {
    out[row.substr(0, row.find('|'))] = row.substr(row.find('|') + 1);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "the dashboard's per-day tables refreshed incrementally after random loads equal a "
    "full refresh",
    "[integration][dashboard][transform]") {
  const std::uint64_t seed = gg::test::test_seed("dashboard models property test");
  INFO("GG_TEST_SEED=" << seed);
  dashboard_world world(seed);
  const std::string vars = world.rng().chance(0.5)
                               ? std::string("{reporting_time_zone: UTC}")
                               : std::string("{reporting_time_zone: Pacific/Kiritimati}");
  INFO("vars " << vars);

  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  load_products(conn);

  int day_moves = 0;
  int user_switches = 0;
  std::map<std::string, std::string> before;
  // Loads are an hour apart in load time (loaded_at), so each run's lookback window (15
  // minutes) holds only the latest load and a run must find what changed; a slow load is
  // stamped a few minutes before the previous one, inside the window.
  int hour = 0;
  auto refresh = [&](const std::vector<raw_event>& batch, bool slow = false) {
    ++hour;
    const std::string loaded_at =
        "timestamptz '2026-12-01 00:00:00+00' + interval '" +
        std::to_string(slow ? 60 * (hour - 1) - world.rng().between(1, 10) : 60 * hour) +
        " minutes'";
    load(conn, batch, loaded_at);
    run_models(db, false, vars);
    const auto after = session_days_and_users(conn);
    for (const auto& [session, was] : before) {
      const auto it = after.find(session);
      REQUIRE(it != after.end());
      if (it->second == was) continue;
      const auto bar = was.find('|');
      if (it->second.substr(0, bar) != was.substr(0, bar)) ++day_moves;
      if (it->second.substr(bar) != was.substr(bar)) ++user_switches;
    }
    before = after;
  };

  // Sessions s0, s1 and s2 exist from the start (on the 3rd), so the last loads change them.
  refresh({world.page_view(0, "2026-11-03 12:00:00+00"),
           world.page_view(1, "2026-11-03 12:00:00+00"),
           world.page_view(2, "2026-11-03 12:00:00+00")});
  constexpr int loads = 14;
  for (int i = 0; i < loads; ++i) {
    std::vector<raw_event> batch;
    const auto n = world.rng().between(1, 25);
    for (std::int64_t k = 0; k < n; ++k) batch.push_back(world.next());
    refresh(batch, world.rng().chance(0.3));
  }
  // Whatever the draw, the last loads move two sessions' day (a page view before all their
  // events) and switch two sessions' user (an identify after all their events).
  refresh(
      {world.page_view(0, "2026-10-31 00:30:00+00"), world.page_view(2, "2026-10-31 09:00:00+00")});
  refresh({world.late_identify(1, "u-late"), world.late_identify(2, "u-late")});

  INFO(day_moves << " day moves, " << user_switches << " user switches");
  CHECK(day_moves > 0);
  CHECK(user_switches > 0);

  if (auto ok = conn.exec("create schema incremental_result"); !ok) FAIL(ok.error().message);
  for (const auto& rel : dashboard_relations()) {
    const auto name = rel.substr(rel.find('.') + 1);
    auto r = conn.exec("create table incremental_result." + name + " as select * from " + rel);
    if (!r) FAIL(r.error().message);
  }

  run_models(db, true, vars);

  for (const auto& rel : dashboard_relations()) {
    const auto name = rel.substr(rel.find('.') + 1);
    INFO(rel);
    const std::string snap = "incremental_result." + name;
    CHECK(scalar(conn, "select count(*) from (select * from " + snap +
                           " except all select * from " + rel + ") d") == "0");
    CHECK(scalar(conn, "select count(*) from (select * from " + rel + " except all select * from " +
                           snap + ") d") == "0");
  }
  // Not vacuous: every per-filter table has rows.
  for (const auto& rel : dashboard_relations()) {
    INFO(rel);
    CHECK(scalar(conn, "select count(*) > 0 from " + rel) == "t");
  }
}
