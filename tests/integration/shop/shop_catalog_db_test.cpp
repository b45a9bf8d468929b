#include "pg_fixture.hpp"
#include "shop_server.hpp"

#include <gadgetgrove/pg/conninfo.hpp>
#include <gadgetgrove/pg/database_source.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include <gadgetgrove/pg/pool.hpp>
#include "catalog_writer.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <unistd.h>

#include <string>

namespace {

using gg::test::eventually;

using namespace std::chrono_literals;
using gg::shop::test::shop_server;
using gg::test::pg_database;

// A database whose pool exists only once something started it, as the database stage's.
struct late_database final : gg::pg::database_source {
  std::string conninfo() const override { return {}; }
  gg::pg::pool* pool() const noexcept override { return pool_.get(); }
  std::unique_ptr<gg::pg::pool> pool_;
};

std::int64_t count_products(gg::pg::connection& conn, std::int64_t seed) {
  auto r = conn.exec("SELECT count(*) FROM analytics.dim_products WHERE catalog_seed = $1", seed);
  REQUIRE(r.has_value());
  return r->get_int64(0, 0).value();
}

}  // namespace

TEST_CASE("the catalog is upserted into analytics.dim_products", "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  auto conn = db.connect();
  const auto catalog = gg::shop::catalog::generate(42);
  REQUIRE(gg::shop::write_catalog(conn, catalog).has_value());
  CHECK(count_products(conn, 42) == static_cast<std::int64_t>(catalog.products().size()));

  const auto& p = catalog.products()[0];
  auto row = conn.exec(
      "SELECT name, brand, category, price::text, color, rating::text, in_stock, "
      "features->>'storage', updated_at <= now() FROM analytics.dim_products WHERE product_id = $1",
      p.id);
  REQUIRE(row.has_value());
  REQUIRE(row->rows() == 1);
  CHECK(row->get(0, 0) == p.name);
  CHECK(row->get(0, 1) == p.brand);
  CHECK(row->get(0, 2) == "Smartphones");
  CHECK(row->get(0, 3) == gg::shop::format_cents(p.price_cents));
  CHECK(row->get(0, 4) == p.color);
  CHECK(row->get(0, 5) == gg::shop::format_rating(p.rating_tenths));
  CHECK(row->get_bool(0, 6).value() == p.in_stock);
  CHECK(row->get(0, 7) == "1TB");  // from the pinned catalog of seed 42 (catalog_test.cpp)
  CHECK(row->get_bool(0, 8).value());

  // Writing again changes nothing; another seed adds its own products next to these.
  REQUIRE(gg::shop::write_catalog(conn, catalog).has_value());
  CHECK(count_products(conn, 42) == static_cast<std::int64_t>(catalog.products().size()));
  const auto other = gg::shop::catalog::generate(43);
  REQUIRE(gg::shop::write_catalog(conn, other).has_value());
  CHECK(count_products(conn, 43) == static_cast<std::int64_t>(other.products().size()));
  CHECK(count_products(conn, 42) == static_cast<std::int64_t>(catalog.products().size()));
}

TEST_CASE("product values reach the table as bound parameters, quotes and all",
          "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  auto conn = db.connect();
  gg::shop::product p;
  p.id = "SM-00000001";
  p.name = "Robert'); DROP TABLE analytics.dim_products;--";
  p.price_cents = 49999;
  p.category = "Smartphones";
  p.category_slug = "smartphones";
  p.brand = "O'Brien & Sons";
  p.color = "Black";
  p.features_json = R"({"screen":"6.1\""})";
  p.rating_tenths = 35;
  const gg::shop::catalog c(0xfedcba9876543210ull, {p});
  REQUIRE(gg::shop::write_catalog(conn, c).has_value());
  auto row = conn.exec(
      "SELECT name, brand, features->>'screen', catalog_seed FROM analytics.dim_products");
  REQUIRE(row.has_value());
  REQUIRE(row->rows() == 1);
  CHECK(row->get(0, 0) == p.name);
  CHECK(row->get(0, 1) == p.brand);
  CHECK(row->get(0, 2) == "6.1\"");
  CHECK(static_cast<std::uint64_t>(row->get_int64(0, 3).value()) == 0xfedcba9876543210ull);
}

TEST_CASE("the shop writes its catalog to the database when it starts", "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  gg::pg::pool pool(gg::pg::pool_options{db.conninfo(), 1});
  {
    shop_server s(gg::shop::test::test_config(), &pool);
    REQUIRE(eventually([&] { return s.shop().catalog_written(); }, 10s));
    CHECK(s.shop().health().state == gg::health_state::up);
  }
  auto conn = db.connect();
  CHECK(count_products(conn, 42) ==
        static_cast<std::int64_t>(gg::shop::catalog::generate(42).products().size()));
}

TEST_CASE("a pool that exists only once the database stage started is looked up at start",
          "[integration][shop]") {
  pg_database db(pg_database::schema::migrated);
  auto database = std::make_shared<late_database>();
  gg::shop::shop_service shop(
      gg::shop::test::test_config(),
      [](const gg::ingest::server_event&, gg::ingest::server_event_callback done) {
        done(gg::uuid_v7());
      },
      database);
  // Made "later", as the database stage makes its pool.
  database->pool_ = std::make_unique<gg::pg::pool>(gg::pg::pool_options{db.conninfo(), 1});
  REQUIRE(shop.start().has_value());
  gg::sched::scheduler sched(gg::shop::test::test_scheduler());
  gg::shop::test::schedule_maintenance(sched, shop);
  sched.run();
  CHECK(eventually([&] { return shop.catalog_written(); }, 10s));
  shop.request_stop();
  CHECK(shop.drain(std::chrono::steady_clock::now() + 10s).has_value());
  sched.stop();
}

TEST_CASE("with the database down the shop serves and writes the catalog once it is back",
          "[integration][shop]") {
  const std::string name = "gg_shop_late_" + std::to_string(::getpid());
  auto conninfo = gg::pg::with_conninfo_option(gg::test::pg_server_conninfo(), "dbname", name);
  REQUIRE(conninfo.has_value());
  auto admin = gg::pg::connection::open(gg::test::pg_server_conninfo());
  REQUIRE(admin.has_value());
  (void)admin->exec_script("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  {
    gg::pg::pool pool(gg::pg::pool_options{*conninfo, 1});
    shop_server s(gg::shop::test::test_config(), &pool);
    REQUIRE(eventually([&] { return s.shop().health().state == gg::health_state::degraded; }, 10s));
    CHECK_FALSE(s.shop().catalog_written());
    auto c = s.client();
    CHECK(c.get("/").status == 200);
    CHECK(c.get("/api/products").status == 200);

    REQUIRE(admin->exec_script("CREATE DATABASE " + name).has_value());
    {
      auto conn = gg::pg::connection::open(*conninfo);
      REQUIRE(conn.has_value());
      REQUIRE(gg::pg::migrate(*conn, gg::test::pg_migrations_dir()).has_value());
    }
    REQUIRE(eventually([&] { return s.shop().catalog_written(); }, 15s));
    CHECK(s.shop().health().state == gg::health_state::up);
  }
  {
    auto conn = gg::pg::connection::open(*conninfo);
    REQUIRE(conn.has_value());
    CHECK(count_products(*conn, 42) ==
          static_cast<std::int64_t>(gg::shop::catalog::generate(42).products().size()));
  }
  (void)admin->exec_script("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}
