#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/sqlstate.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include <catch2/catch.hpp>

#include "pg_fixture.hpp"
#include "pg_test_helpers.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>

using gg::test::must;
using gg::test::pg_database;

TEST_CASE("parameters round-trip unicode, NULL, quotes and backslashes unchanged",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.exec_script("CREATE TABLE t (id int, s text, b bytea, d double precision, f boolean)"));
  const std::string unicode = "grüße, 世界, emoji 🎉, quote ' and \" and \\ backslash";
  const std::string escaped = "\\x00\\\\ E'\\047' $1 ; DROP TABLE t; --";
  const std::optional<std::string> none;
  must(c.exec("INSERT INTO t VALUES ($1, $2, $3::bytea, $4, $5)", 1, unicode, "\\xdeadbeef", 0.1,
              true));
  must(c.exec("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", 2, escaped, nullptr, none, false));
  auto r = must(c.exec("SELECT id, s, b, d, f FROM t ORDER BY id"));
  REQUIRE(r.rows() == 2);
  CHECK(r.get(0, 1) == unicode);
  CHECK(r.get(0, 2) == "\\xdeadbeef");
  CHECK(must(r.get_double(0, 3)) == 0.1);
  CHECK(must(r.get_bool(0, 4)));
  CHECK(must(r.get_int64(1, 0)) == 2);
  CHECK(r.get(1, 1) == escaped);
  CHECK(r.is_null(1, 2));
  CHECK_FALSE(r.get_optional(1, 2).has_value());
  CHECK(r.is_null(1, 3));
  CHECK_FALSE(must(r.get_bool(1, 4)));
  CHECK(r.column("s") == 1);
  CHECK(r.column_name(3) == "d");
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "2");
}

TEST_CASE("a span of optional views is sent as parameters, long values included",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  const std::string big(200'000, 'x');
  const std::array<gg::pg::param_value, 3> params{std::string_view{big}, std::nullopt,
                                                  std::string_view{"7"}};
  auto r = must(c.exec("SELECT length($1), $2::text IS NULL, $3::int * 6", params));
  CHECK(r.get(0, 0) == "200000");
  CHECK(r.get(0, 1) == "t");
  CHECK(r.get(0, 2) == "42");
}

TEST_CASE("typed getters reject NULL and text of the wrong type", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  auto r = must(c.exec("SELECT NULL::int, 'abc', 1.5, 'maybe'"));
  CHECK(r.get_int64(0, 0).error().code == gg::errc::invalid_input);
  CHECK_FALSE(r.get_int64(0, 1).has_value());
  CHECK_FALSE(r.get_int64(0, 2).has_value());
  CHECK(must(r.get_double(0, 2)) == 1.5);
  CHECK_FALSE(r.get_bool(0, 3).has_value());
  CHECK_FALSE(r.get_int64(5, 0).has_value());
  CHECK(r.get(5, 9).empty());
}

TEST_CASE("server errors carry the SQLSTATE and are not retriable", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  auto syntax = c.exec("SELEC 1");
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().code == gg::errc::database);
  CHECK(syntax.error().message.find("42601") != std::string::npos);
  CHECK_FALSE(syntax.error().is_retriable());

  must(c.exec_script("CREATE TABLE u (k int PRIMARY KEY)"));
  must(c.exec("INSERT INTO u VALUES ($1)", 1));
  auto dup = c.exec("INSERT INTO u VALUES ($1)", 1);
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().message.find("23505") != std::string::npos);
  CHECK(dup.error().message.find("Key (k)=(1)") != std::string::npos);
  CHECK(c.is_open());
  CHECK(c.error_count() == 2);
}

TEST_CASE("a connection killed by the server reports a retriable unavailable error",
          "[integration][pg]") {
  pg_database db;
  auto victim = db.connect();
  auto killer = db.connect();
  const std::string pid(must(victim.exec("SELECT pg_backend_pid()")).get(0, 0));
  must(killer.exec("SELECT pg_terminate_backend($1::int)", pid));
  auto r = victim.exec("SELECT 1");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == gg::errc::unavailable);
  CHECK(r.error().is_retriable());
  CHECK_FALSE(victim.is_open());
}

TEST_CASE("connecting to a server that is not there is a retriable error without the password",
          "[integration][pg]") {
  auto c = gg::pg::connection::open("host=/nonexistent-gg port=1 dbname=x password=hunter2");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().code == gg::errc::unavailable);
  CHECK(c.error().is_retriable());
  CHECK(c.error().message.find("hunter2") == std::string::npos);
  CHECK(c.error().message.find("****") != std::string::npos);
}

TEST_CASE("exec_script runs several statements and exec refuses two", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(
      c.exec_script("CREATE TABLE a (x int); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);"));
  CHECK(must(c.exec("SELECT sum(x) FROM a")).get(0, 0) == "3");
  CHECK_FALSE(c.exec("INSERT INTO a VALUES (3); INSERT INTO a VALUES (4)").has_value());
  CHECK(must(c.exec("SELECT count(*) FROM a")).get(0, 0) == "2");
}

TEST_CASE("a transaction not committed is rolled back when it goes out of scope",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.exec_script("CREATE TABLE t (x int)"));
  {
    auto tx = must(gg::pg::transaction::begin(c));
    must(c.exec("INSERT INTO t VALUES ($1)", 1));
    CHECK(c.in_transaction());
  }
  CHECK_FALSE(c.in_transaction());
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "0");
  {
    auto tx = must(gg::pg::transaction::begin(c));
    must(c.exec("INSERT INTO t VALUES ($1)", 2));
    must(tx.commit());
  }
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "1");
}

TEST_CASE("committing a failed transaction reports the rollback", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.begin());
  CHECK_FALSE(c.exec("SELECT 1/0").has_value());
  auto committed = c.commit();
  REQUIRE_FALSE(committed.has_value());
  CHECK(committed.error().message.find("rolled back") != std::string::npos);
  CHECK_FALSE(c.in_transaction());
  must(c.begin());
  must(c.rollback());
}

TEST_CASE("COPY FROM STDIN loads rows streamed in arbitrary slices", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.exec_script("CREATE TABLE t (id int, s text, j jsonb)"));
  auto w = must(c.copy_in("COPY t (id, s, j) FROM STDIN"));
  CHECK(c.copy_active());
  CHECK_FALSE(c.exec("SELECT 1").has_value());
  std::string data;
  for (int i = 0; i < 1000; ++i) {
    data += std::to_string(i) + "\tgrüße \\\\ " + std::to_string(i) +
            "\t{\"k\": " + std::to_string(i) + "}\n";
  }
  for (std::size_t at = 0; at < data.size(); at += 777) {
    must(w.put(std::string_view(data).substr(at, 777)));
  }
  CHECK(must(w.finish()) == 1000);
  CHECK_FALSE(c.copy_active());
  auto r = must(c.exec("SELECT count(*), sum((j->>'k')::int), max(s) FROM t"));
  CHECK(r.get(0, 0) == "1000");
  CHECK(r.get(0, 1) == "499500");
  CHECK(r.get(0, 2) == "grüße \\ 999");
}

TEST_CASE("an aborted COPY loads nothing and leaves the connection usable", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.exec_script("CREATE TABLE t (id int)"));
  auto w = must(c.copy_in("COPY t FROM STDIN"));
  must(w.put("1\n2\n3\n"));
  must(w.abort("loader stopping"));
  CHECK_FALSE(w.active());
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "0");
  {
    auto dropped = must(c.copy_in("COPY t FROM STDIN"));
    must(dropped.put("4\n"));
  }
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "0");
}

TEST_CASE("a bad COPY row fails finish() with the server's message and loads nothing",
          "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  must(c.exec_script("CREATE TABLE t (id int NOT NULL)"));
  auto w = must(c.copy_in("COPY t FROM STDIN"));
  must(w.put("1\nnot-a-number\n3\n"));
  auto done = w.finish();
  REQUIRE_FALSE(done.has_value());
  CHECK(done.error().code == gg::errc::database);
  CHECK(done.error().message.find("22P02") != std::string::npos);
  CHECK(done.error().message.find("not-a-number") != std::string::npos);
  CHECK(c.is_open());
  CHECK(must(c.exec("SELECT count(*) FROM t")).get(0, 0) == "0");
}

TEST_CASE("copy_in rejects a statement that is not COPY FROM STDIN", "[integration][pg]") {
  pg_database db;
  auto c = db.connect();
  auto w = c.copy_in("SELECT 1");
  REQUIRE_FALSE(w.has_value());
  CHECK_FALSE(c.copy_active());
  CHECK(must(c.exec("SELECT 2")).get(0, 0) == "2");
}

TEST_CASE("a LISTENing connection receives a NOTIFY only once the sending transaction commits",
          "[integration][pg]") {
  pg_database db;
  auto listener = db.connect();
  auto sender = db.connect();
  CHECK(listener.listen("Bad Channel").error().code == gg::errc::invalid_input);
  CHECK(listener.listen("x; DROP TABLE t").error().code == gg::errc::invalid_input);
  must(listener.listen("gg_test_channel"));

  auto quiet = must(listener.wait_notifications(std::chrono::milliseconds(50)));
  CHECK(quiet.empty());

  must(sender.begin());
  must(sender.exec("SELECT pg_notify($1, $2)", "gg_test_channel", "rolled back"));
  must(sender.rollback());
  must(sender.begin());
  must(sender.exec("SELECT pg_notify($1, $2)", "gg_test_channel", "page_views 12"));
  CHECK(must(listener.wait_notifications(std::chrono::milliseconds(100))).empty());
  must(sender.commit());

  auto got = must(listener.wait_notifications(std::chrono::seconds(5)));
  REQUIRE(got.size() == 1);
  CHECK(got[0].channel == "gg_test_channel");
  CHECK(got[0].payload == "page_views 12");
  CHECK(got[0].sender_pid > 0);
  CHECK(must(listener.wait_notifications(std::chrono::milliseconds(50))).empty());

  // A listener whose backend is terminated reports the lost connection.
  auto pid = must(listener.exec("SELECT pg_backend_pid()")).get(0, 0);
  must(sender.exec("SELECT pg_terminate_backend($1::int)", pid));
  auto lost = listener.wait_notifications(std::chrono::seconds(5));
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().retriable);
  CHECK_FALSE(listener.is_open());
}
