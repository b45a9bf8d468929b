// Property: after any sequence of small loads — events of any kind arriving out of order, late
// (old client times), duplicated, from crawlers, with properties of the wrong type, and loads
// whose loaded_at lies a few minutes before the previous run (a slow load transaction) — the
// shipped models refreshed incrementally after each load hold exactly the rows a full refresh
// computes. Seeded; the seed is printed, and env GG_TEST_SEED replays a run.
#include "model_fixture.hpp"

#include <gadgetgrove/core/prng.hpp>

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

namespace {

using namespace gg::test::models;

std::uint64_t test_seed() {
  if (const char* env = std::getenv("GG_TEST_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

/// Random raw events over a small world: 12 sessions, 6 users, 3 products, 10 days.
class event_source {
 public:
  explicit event_source(std::uint64_t seed) : rng_(seed) {}

  raw_event next() {
    // A retried delivery: the same event again (the raw table keeps the first).
    if (!sent_.empty() && rng_.chance(0.12)) return sent_[rng_.below(sent_.size())];
    raw_event e;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llu",
                  static_cast<unsigned long long>(++count_));
    e.event_id = id;
    const auto session = rng_.below(12);
    e.session_id = rng_.chance(0.03) ? std::nullopt
                                     : std::optional<std::string>("s" + std::to_string(session));
    if (session % 4 != 3) e.user_id = "u" + std::to_string(session % 6);
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-11-%02d %02d:%02d:%02d+00",
                  static_cast<int>(2 + session % 5 + rng_.below(2) * 5),
                  static_cast<int>(rng_.between(0, 23)), static_cast<int>(rng_.between(0, 59)),
                  static_cast<int>(rng_.between(0, 59)));
    e.timestamp = ts;
    e.is_bot = rng_.chance(0.05);
    const std::string product = "p" + std::to_string(1 + rng_.below(3));
    const std::string order = "T" + std::to_string(session) + "-" + std::to_string(rng_.below(2));
    const char* price = rng_.chance(0.1) ? "\"cheap\"" : (rng_.chance(0.5) ? "20.00" : "\"9.99\"");
    const char* quantity = rng_.chance(0.1) ? "1.5" : (rng_.chance(0.5) ? "2" : "\"3\"");
    const auto kind = rng_.below(100);
    e.type = "custom_event";
    if (kind < 40) {
      e.table = "page_views";
      e.type = "page_view";
      e.path = "/page/" + std::to_string(rng_.below(4));
      e.properties = "{\"title\": \"GadgetGrove\"}";
    } else if (kind < 48) {
      e.table = "user_events";
      if (rng_.chance(0.7)) {
        e.type = "identify";
        // A shopper who logs in as someone else, or an anonymous session's first login: the
        // session's user changes from one load to the next, so models kept per user must
        // retract the former user's rows.
        if (rng_.chance(0.25)) e.user_id = "u" + std::to_string((session + 1) % 6);
        e.properties = "{\"name\": \"User " + std::to_string(session % 6) + "\", \"email\": \"u" +
                       std::to_string(rng_.below(3)) + "@example.com\"}";
      } else {
        e.event = "logout";
        e.properties = "{}";
      }
    } else if (kind < 92) {
      e.table = "ecommerce_events";
      const auto what = rng_.below(7);
      static const char* const names[] = {"product_view",    "add_to_cart",  "purchase",
                                          "order_completed", "order_failed", "checkout_error",
                                          "begin_checkout"};
      e.event = names[what];
      switch (what) {
        case 0:
          e.properties = "{\"product_id\": \"" + product + "\", \"price\": " + price + "}";
          break;
        case 1:
          e.properties = "{\"product_id\": \"" + product + "\", \"price\": " + price +
                         ", \"quantity\": " + quantity + "}";
          break;
        case 2:
          e.properties = "{\"transaction_id\": \"" + order + "\", \"value\": " + price + "}";
          break;
        case 3:
          e.properties = "{\"order_id\": \"" + order + "\", \"items\": [{\"product_id\": \"" +
                         product + "\", \"price\": " + price + ", \"quantity\": " + quantity +
                         "}, {\"product_id\": \"p3\", \"price\": 30.5}], \"total\": 51.25}";
          break;
        case 4:
          e.properties = "{\"order_id\": \"" + order + "\", \"reason\": \"Payment Declined\"}";
          break;
        case 5:
          e.properties = "{\"error\": \"Network Error\", \"value\": " + std::string(price) + "}";
          break;
        default:
          e.properties = "{\"value\": 12.5, \"items\": \"not a list\"}";
      }
    } else if (kind < 96) {
      e.table = "analytics_events";
      e.event = "web_vitals";
      e.properties = "{\"lcp_ms\": 900}";
    } else {
      e.table = "event_queue";
      e.event = "newsletter_signup";
      e.properties = "{\"list\": [1, 2]}";
    }
    sent_.push_back(e);
    return e;
  }

  gg::prng& rng() { return rng_; }

 private:
  gg::prng rng_;
  std::uint64_t count_ = 0;
  std::vector<raw_event> sent_;
};

/// Keeps what the incremental runs built, runs a full refresh and checks both hold the same
/// rows in every model.
void check_equals_full_refresh(const gg::test::pg_database& db, gg::pg::connection& conn) {
  // The models' relations and the contributions the retract strategy keeps beside its models.
  auto relations = model_relations();
  relations.push_back("analytics.dashboard_filtered_pages__contributions");
  relations.push_back("analytics.dashboard_filtered_cohorts__contributions");
  if (auto ok = conn.exec("create schema incremental_result"); !ok) FAIL(ok.error().message);
  for (const auto& rel : relations) {
    const auto name = rel.substr(rel.find('.') + 1);
    auto r = conn.exec("create table incremental_result." + name + " as select * from " + rel);
    if (!r) FAIL(r.error().message);
  }

  run_models(db, true);

  for (const auto& rel : relations) {
    const auto name = rel.substr(rel.find('.') + 1);
    INFO(rel);
    const std::string snap = "incremental_result." + name;
    CHECK(scalar(conn, "select count(*) from (select * from " + snap +
                           " except all select * from " + rel + ") d") == "0");
    CHECK(scalar(conn, "select count(*) from (select * from " + rel + " except all select * from " +
                           snap + ") d") == "0");
  }
  // Not a vacuous comparison: the analytics tables have rows.
  CHECK(scalar(conn, "select count(*) > 0 from analytics.session_summary") == "t");
}

}  // namespace

TEST_CASE("incremental runs after random small loads equal a full refresh",
          "[integration][transform][models]") {
  const std::uint64_t seed = test_seed();
  std::printf("incremental property test: GG_TEST_SEED=%llu\n",
              static_cast<unsigned long long>(seed));
  INFO("GG_TEST_SEED=" << seed);

  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  load_products(conn);
  event_source source(seed);

  constexpr int loads = 8;
  std::size_t loaded = 0;
  for (int i = 0; i < loads; ++i) {
    std::vector<raw_event> batch;
    const auto n = source.rng().between(1, 30);
    for (std::int64_t k = 0; k < n; ++k) batch.push_back(source.next());
    // Now and then a load whose rows carry a load time from before the previous run, as a
    // long load transaction stamps now() at its start; within the 15 minute lookback.
    const std::string loaded_at =
        source.rng().chance(0.3)
            ? "now() - interval '" + std::to_string(source.rng().between(1, 10)) + " minutes'"
            : "now()";
    loaded += load(conn, batch, loaded_at);
    run_models(db, false);
  }
  INFO(loaded << " events loaded in " << loads << " loads");
  REQUIRE(loaded > 0);

  check_equals_full_refresh(db, conn);
}

// Concurrent loads commit out of order: a load that began first (the lower transaction id)
// stays open while later loads commit and the models run, and commits afterwards, with a
// loaded_at older than rows the runs already processed. Its rows must still reach every model.
TEST_CASE("incremental runs equal a full refresh when loads commit out of order",
          "[integration][transform][models]") {
  const std::uint64_t seed = test_seed();
  std::printf("out-of-order load test: GG_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  INFO("GG_TEST_SEED=" << seed);

  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  auto conn = db.connect();
  auto slow = db.connect();
  load_products(conn);
  event_source source(seed);

  // A held load's event ids: a later load inserting one of them would wait for it.
  std::set<std::string> held;
  bool holding = false;
  int committed_late = 0;
  auto next_free = [&] {
    for (;;) {
      auto e = source.next();
      if (held.count(e.event_id) == 0) return e;
    }
  };
  for (int i = 0; i < 10; ++i) {
    if (!holding && (i == 0 || source.rng().chance(0.4))) {
      std::vector<raw_event> batch;
      const auto n = source.rng().between(1, 20);
      for (std::int64_t k = 0; k < n; ++k) batch.push_back(next_free());
      if (auto s = slow.begin(); !s) FAIL(s.error().message);
      insert_events(slow, batch);
      for (const auto& e : batch) held.insert(e.event_id);
      holding = true;
    }
    std::vector<raw_event> batch;
    const auto n = source.rng().between(1, 20);
    for (std::int64_t k = 0; k < n; ++k) batch.push_back(next_free());
    load(conn, batch);
    run_models(db, false);
    // Committed after a run that saw later loads (never in the round it began in).
    if (holding && source.rng().chance(0.5)) {
      if (auto s = slow.commit(); !s) FAIL(s.error().message);
      holding = false;
      held.clear();
      ++committed_late;
      run_models(db, false);
    }
  }
  if (holding) {
    if (auto s = slow.commit(); !s) FAIL(s.error().message);
    ++committed_late;
  }
  run_models(db, false);
  REQUIRE(committed_late > 0);
  check_equals_full_refresh(db, conn);
}
