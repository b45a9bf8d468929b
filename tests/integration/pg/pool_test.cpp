#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include <catch2/catch.hpp>

#include "eventually.hpp"
#include "pg_fixture.hpp"
#include "pg_test_helpers.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gg::test::must;
using gg::test::pg_database;

namespace {

gg::pg::pool_options options_for(const std::string& conninfo, std::size_t size, const char* name) {
  gg::pg::pool_options o;
  o.conninfo = conninfo;
  o.size = size;
  o.name = name;
  return o;
}

}  // namespace

TEST_CASE("an exhausted pool times out acquire() with a retriable error", "[integration][pg]") {
  pg_database db;
  gg::pg::pool p(options_for(db.conninfo(), 1, "exhausted"));
  auto held = must(p.acquire(1s));
  const auto start = std::chrono::steady_clock::now();
  auto second = p.acquire(80ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == gg::errc::timeout);
  CHECK(second.error().is_retriable());
  CHECK(waited >= 80ms);
  CHECK(waited < 2s);
  CHECK(p.stats().timeouts == 1);
  { auto moved = std::move(held); }
  auto third = must(p.acquire(1s));
  CHECK(must(third->exec("SELECT 1")).get(0, 0) == "1");
}

TEST_CASE("a pool hands each connection to one thread at a time and reuses it",
          "[integration][pg]") {
  pg_database db;
  gg::pg::pool p(options_for(db.conninfo(), 2, "threads"));
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto l = p.acquire(10s);
        if (!l) {
          ++failures;
          continue;
        }
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        if (!(*l)->exec("SELECT pg_sleep(0.001)")) ++failures;
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(most <= 2);
  const auto s = p.stats();
  CHECK(s.open <= 2);
  CHECK(s.in_use == 0);
  CHECK(s.reconnects == 0);
}

TEST_CASE("a broken pooled connection is replaced on the next acquire", "[integration][pg]") {
  pg_database db;
  gg::pg::pool p(options_for(db.conninfo(), 1, "broken"));
  std::string first_pid;
  {
    auto l = must(p.acquire(1s));
    first_pid = must(l->exec("SELECT pg_backend_pid()")).get(0, 0);
  }
  auto killer = db.connect();
  must(killer.exec("SELECT pg_terminate_backend($1::int)", first_pid));
  // Termination is asynchronous; wait until the backend is gone.
  CHECK(gg::test::eventually(
      [&] {
        auto r = must(
            killer.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", first_pid));
        return r.get(0, 0) == "0";
      },
      2s, 5ms, "the terminated backend to leave pg_stat_activity"));
  auto l = must(p.acquire(1s));
  const std::string second_pid(must(l->exec("SELECT pg_backend_pid()")).get(0, 0));
  CHECK(second_pid != first_pid);
  CHECK(p.stats().reconnects == 1);
}

TEST_CASE("a lease returned inside a transaction is rolled back", "[integration][pg]") {
  pg_database db;
  gg::pg::pool p(options_for(db.conninfo(), 1, "rollback"));
  {
    auto l = must(p.acquire(1s));
    must(l->exec_script("CREATE TABLE t (x int)"));
    must(l->begin());
    must(l->exec("INSERT INTO t VALUES ($1)", 1));
  }
  auto l = must(p.acquire(1s));
  CHECK_FALSE(l->in_transaction());
  CHECK(must(l->exec("SELECT count(*) FROM t")).get(0, 0) == "0");
}

TEST_CASE("a lease returned mid-COPY or discarded gets a new connection", "[integration][pg]") {
  pg_database db;
  gg::pg::pool p(options_for(db.conninfo(), 1, "midcopy"));
  {
    auto l = must(p.acquire(1s));
    must(l->exec_script("CREATE TABLE t (x int)"));
    l.discard();
  }
  CHECK(p.stats().open == 0);
  auto l = must(p.acquire(1s));
  CHECK(must(l->exec("SELECT count(*) FROM t")).get(0, 0) == "0");
  CHECK(p.stats().reconnects == 1);
}

TEST_CASE("a pool reconnects after the server restarts under it", "[integration][pg]") {
  gg::test::temp_dir dir("gg-pg-pool");
  gg::pg::embedded_cluster cluster(gg::test::seeded_cluster(dir / "data"));
  must(cluster.start());
  gg::pg::pool p(options_for(cluster.conninfo(), 2, "restart"));
  {
    auto a = must(p.acquire(1s));
    auto b = must(p.acquire(1s));
    must(a->exec_script("CREATE TABLE t (x int)"));
    must(b->exec("SELECT 1"));
  }
  CHECK(p.stats().open == 2);
  must(cluster.stop());

  auto down = p.acquire(1s);
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().code == gg::errc::unavailable);
  CHECK(down.error().is_retriable());

  must(cluster.start());
  {
    auto a = must(p.acquire(1s));
    auto b = must(p.acquire(1s));
    must(a->exec("INSERT INTO t VALUES ($1)", 1));
    CHECK(must(b->exec("SELECT count(*) FROM t")).get(0, 0) == "1");
  }
  CHECK(p.stats().reconnects == 2);
  CHECK(p.stats().in_use == 0);
}

TEST_CASE("a pool registers its metrics with the registry it is given, not the process-wide one",
          "[integration][pg]") {
  pg_database db;
  gg::metrics::registry reg;
  auto options = options_for(db.conninfo(), 1, "own-registry");
  options.metrics = &reg;
  gg::pg::pool p(std::move(options));
  auto held = must(p.acquire(1s));
  REQUIRE_FALSE(p.acquire(20ms).has_value());
  const std::string text = reg.expose();
  CHECK(text.find(R"(gadgetgrove_pg_pool_acquire_timeouts_total{pool="own-registry"} 1)") !=
        std::string::npos);
  CHECK(text.find(R"(gadgetgrove_pg_pool_size_connections{pool="own-registry"} 1)") !=
        std::string::npos);
  CHECK(gg::metrics::global().expose().find(R"(pool="own-registry")") == std::string::npos);
}
