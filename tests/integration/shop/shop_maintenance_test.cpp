// The shop's maintenance as a scheduler job: one pass at a time, nothing before start() or after
// a stop, and a drain that keeps its deadline while a pass waits for the database.
#include "pg_fixture.hpp"
#include "shop_server.hpp"

#include <gadgetgrove/pg/pool.hpp>

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <future>

namespace {

using gg::test::eventually;

using namespace std::chrono_literals;
using gg::test::pg_database;

gg::shop::event_submit accept_all() {
  return [](const gg::ingest::server_event&, gg::ingest::server_event_callback done) {
    done(gg::uuid_v7());
  };
}

std::int64_t products_in_db(gg::pg::connection& conn) {
  auto r = conn.exec("SELECT count(*) FROM analytics.dim_products");
  REQUIRE(r.has_value());
  return r->get_int64(0, 0).value();
}

}  // namespace

TEST_CASE("a maintenance pass writes the catalog once started and does nothing once stopped",
          "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  gg::pg::pool pool(gg::pg::pool_options{db.conninfo(), 1});
  gg::shop::shop_service shop(gg::shop::test::test_config(), accept_all(), &pool);
  auto conn = db.connect();

  REQUIRE(shop.maintain_once().has_value());  // before start(): no pool looked up yet
  CHECK_FALSE(shop.catalog_written());
  CHECK(products_in_db(conn) == 0);

  REQUIRE(shop.start().has_value());
  REQUIRE(shop.maintain_once().has_value());
  CHECK(shop.catalog_written());
  const auto written = products_in_db(conn);
  CHECK(written == static_cast<std::int64_t>(shop.products().products().size()));

  (void)conn.exec("DELETE FROM analytics.dim_products");
  REQUIRE(shop.maintain_once().has_value());  // written already: not again
  CHECK(products_in_db(conn) == 0);

  shop.request_stop();
  REQUIRE(shop.maintain_once().has_value());
  CHECK(shop.drain(std::chrono::steady_clock::now() + 1s).has_value());
  CHECK(shop.maintenance_interval() > 0ms);
  CHECK(shop.maintenance_interval() <= 1s);
}

TEST_CASE("drain keeps its deadline while a maintenance pass waits for a connection",
          "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  gg::pg::pool pool(gg::pg::pool_options{db.conninfo(), 1});
  auto held = pool.acquire(5s);  // the pool's only connection: the pass waits for it
  REQUIRE(held.has_value());
  gg::shop::shop_service shop(gg::shop::test::test_config(), accept_all(), &pool);
  REQUIRE(shop.start().has_value());
  auto pass = std::async(std::launch::async, [&] { return shop.maintain_once(); });
  REQUIRE(pass.wait_for(200ms) == std::future_status::timeout);  // waiting in acquire

  const auto until = std::chrono::steady_clock::now() + 200ms;
  auto st = shop.drain(until);
  const auto late = std::chrono::steady_clock::now() - until;
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == gg::errc::timeout);
  CHECK(st.error().message.find("catalog write") != std::string::npos);
  CHECK(late < 500ms);  // not the pass's 5 s connection wait

  // A second pass while one runs returns at once instead of queueing behind it.
  CHECK(shop.maintain_once().has_value());
  held = gg::fail(gg::errc::cancelled, "released");  // returns the connection
  REQUIRE(pass.wait_for(10s) == std::future_status::ready);
  CHECK(pass.get().has_value());
  CHECK(shop.drain(std::chrono::steady_clock::now() + 1s).has_value());
}

TEST_CASE("the shop's scheduler job writes the catalog and sweeps expired sessions",
          "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  gg::pg::pool pool(gg::pg::pool_options{db.conninfo(), 1});
  auto config = gg::shop::test::test_config();
  config.sweep_interval = 20ms;
  config.session_ttl = std::chrono::seconds{60};
  gg::shop::test::shop_server s(config, &pool);
  REQUIRE(eventually([&] { return s.shop().catalog_written(); }, 10s));
  auto c = s.client();
  REQUIRE(c.get("/api/session").status == 200);
  REQUIRE(s.shop().sessions().size() == 1);
  s.clock.advance(std::chrono::minutes{5});
  CHECK(eventually([&] { return s.shop().sessions().size() == 0; }, 5s));
}
