#include <gadgetgrove/pg/sqlstate.hpp>

#include <catch2/catch.hpp>

using gg::pg::is_retriable;

TEST_CASE("connection, shutdown, resource, serialization and deadlock errors are retriable",
          "[unit][pg]") {
  for (const char* s : {"08000", "08003", "08006", "08001", "08004", "08P01", "57P01", "57P02",
                        "57P03", "40001", "40P01", "53000", "53100", "53200", "53300", "53400"}) {
    INFO(s);
    CHECK(is_retriable(s, false));
  }
}

TEST_CASE("data, syntax, constraint and permission errors are not retriable", "[unit][pg]") {
  for (const char* s : {"23505", "23502", "22P02", "42601", "42P01", "42501", "57014", "40002",
                        "25P02", "XX000", "", "5", "57P04", "57P0"}) {
    INFO(s);
    CHECK_FALSE(is_retriable(s, false));
  }
}

TEST_CASE("a dropped connection is retriable whatever the SQLSTATE", "[unit][pg]") {
  CHECK(is_retriable("", true));
  CHECK(is_retriable("23505", true));
}

TEST_CASE("make_error picks the code from the SQLSTATE and names it in the message", "[unit][pg]") {
  const auto unique = gg::pg::make_error("insert", "23505", "duplicate key value\n", false);
  CHECK(unique.code == gg::errc::database);
  CHECK_FALSE(unique.retriable);
  CHECK(unique.message == "insert: duplicate key value (SQLSTATE 23505)");

  const auto shutdown = gg::pg::make_error("query", "57P01", "terminating connection", false);
  CHECK(shutdown.code == gg::errc::unavailable);
  CHECK(shutdown.is_retriable());

  const auto deadlock = gg::pg::make_error("query", "40P01", "deadlock detected", false);
  CHECK(deadlock.code == gg::errc::database);
  CHECK(deadlock.is_retriable());

  const auto lost = gg::pg::make_error("query", "", "server closed the connection", true);
  CHECK(lost.code == gg::errc::unavailable);
  CHECK(lost.is_retriable());
  CHECK(lost.message == "query: server closed the connection (connection lost)");
}

TEST_CASE("the SQLSTATE travels on the error, not only in its message", "[unit][pg]") {
  const auto e = gg::pg::make_error("copy", "22P02", "invalid input syntax", false);
  CHECK(e.sqlstate == "22P02");
  CHECK(e.with_context("load segment").sqlstate == "22P02");
  CHECK(e.with_context("load segment").message == "load segment: " + e.message);
  CHECK(gg::pg::make_error("query", "", "gone", true).sqlstate.empty());
}

TEST_CASE("retry_of tells a transaction retry from a reconnect from no retry", "[unit][pg]") {
  using gg::pg::retry_scope;
  CHECK(gg::pg::retry_of(gg::pg::make_error("q", "40P01", "deadlock", false)) ==
        retry_scope::transaction);
  CHECK(gg::pg::retry_of(gg::pg::make_error("q", "40001", "serialization", false)) ==
        retry_scope::transaction);
  CHECK(gg::pg::retry_of(gg::pg::make_error("q", "57P01", "shutdown", false)) ==
        retry_scope::connection);
  CHECK(gg::pg::retry_of(gg::pg::make_error("q", "", "lost", true)) == retry_scope::connection);
  CHECK(gg::pg::retry_of(gg::pg::make_error("q", "23505", "duplicate", false)) ==
        retry_scope::none);
  // Not a database error at all: a message that merely mentions a SQLSTATE decides nothing.
  CHECK(gg::pg::retry_of(gg::error{gg::errc::io, "x (SQLSTATE 40P01)", false}) ==
        retry_scope::none);
}

TEST_CASE("is_data_error picks the classes where the data itself was refused", "[unit][pg]") {
  for (const char* state : {"22P02", "22021", "23505", "23502", "54000"}) {
    INFO(state);
    CHECK(gg::pg::is_data_error(gg::pg::make_error("copy", state, "refused", false)));
  }
  for (const char* state : {"40P01", "57P01", "42P01", "08006"}) {
    INFO(state);
    CHECK_FALSE(gg::pg::is_data_error(gg::pg::make_error("copy", state, "failed", false)));
  }
  CHECK_FALSE(gg::pg::is_data_error(gg::error{gg::errc::database, "x (SQLSTATE 23505)", false}));
}
