#include <gadgetgrove/pg/conninfo.hpp>

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

using gg::pg::mask_conninfo;

TEST_CASE("mask_conninfo hides the password of a URI", "[unit][pg]") {
  CHECK(mask_conninfo("postgresql://u:secret@h/db") == "postgresql://u:****@h/db");
  CHECK(mask_conninfo("postgres://u:secret@h:5432/db?sslmode=require") ==
        "postgres://u:****@h:5432/db?sslmode=require");
  CHECK(mask_conninfo("postgresql://u:s%40cr@t@h/db") == "postgresql://u:****@h/db");
  CHECK(mask_conninfo("postgresql://u:se/cret@h/db") == "postgresql://u:****@h/db");
}

TEST_CASE("mask_conninfo leaves a URI without a password alone", "[unit][pg]") {
  CHECK(mask_conninfo("postgresql://u@h/db") == "postgresql://u@h/db");
  CHECK(mask_conninfo("postgresql:///db?host=/tmp/x") == "postgresql:///db?host=/tmp/x");
  CHECK(mask_conninfo("postgresql://h/db") == "postgresql://h/db");
}

TEST_CASE("mask_conninfo hides a password given as a URI query parameter", "[unit][pg]") {
  CHECK(mask_conninfo("postgresql://h/db?user=u&password=secret&sslmode=disable") ==
        "postgresql://h/db?user=u&password=****&sslmode=disable");
  CHECK(mask_conninfo("postgresql://u:a@h/db?password=b") ==
        "postgresql://u:****@h/db?password=****");
}

TEST_CASE("mask_conninfo hides the password of the key=value form", "[unit][pg]") {
  CHECK(mask_conninfo("host=h password=secret dbname=db") == "host=h password=**** dbname=db");
  CHECK(mask_conninfo("password=secret") == "password=****");
  CHECK(mask_conninfo("host=h password = secret user=u") == "host=h password = **** user=u");
  CHECK(mask_conninfo("host=h password='se cret\\' x' user=u") == "host=h password=**** user=u");
  CHECK(mask_conninfo("host=h passfile=/x user=u") == "host=h passfile=/x user=u");
  CHECK(mask_conninfo("host='/tmp/a b' dbname=db") == "host='/tmp/a b' dbname=db");
}

TEST_CASE("a masked conninfo never contains the secret", "[unit][pg]") {
  for (const char* info :
       {"password=hunter2", "postgresql://u:hunter2@h/db", "host=a password='hunter2'",
        "postgresql://h?password=hunter2", "dbname=x  password=hunter2\tuser=y"}) {
    INFO(info);
    CHECK(mask_conninfo(info).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("mask_conninfo hides a percent-encoded password parameter of a URI", "[unit][pg]") {
  // libpq percent-decodes the keys of a URI's query as well as the values.
  CHECK(mask_conninfo("postgresql://h/db?pass%77ord=hunter2&sslmode=disable") ==
        "postgresql://h/db?pass%77ord=****&sslmode=disable");
  CHECK(mask_conninfo("postgresql://h/db?%70%61%73%73%77%6F%72%64=hunter2") ==
        "postgresql://h/db?%70%61%73%73%77%6F%72%64=****");
  CHECK(mask_conninfo("postgresql://h/db?user=u&password=hunt%65r2") ==
        "postgresql://h/db?user=u&password=****");
  CHECK(mask_conninfo("postgresql://u:hunt%65r2@h/db") == "postgresql://u:****@h/db");
}

TEST_CASE("mask_conninfo hides passwords in forms libpq would refuse", "[unit][pg]") {
  // Such strings end up in error messages, so they are masked as carefully as valid ones.
  CHECK(mask_conninfo("POSTGRESQL://u:hunter2@h/db") == "POSTGRESQL://u:****@h/db");
  CHECK(mask_conninfo("  postgresql://u:hunter2@h/db") == "  postgresql://u:****@h/db");
  CHECK(mask_conninfo("host=h PASSWORD=hunter2") == "host=h PASSWORD=****");
  CHECK(mask_conninfo("host=h password='hunter2") == "host=h password=****");
  CHECK(mask_conninfo("postgresql://h/db?password") == "postgresql://h/db?password");
}

TEST_CASE("every form of a password is masked", "[unit][pg]") {
  for (const char* info : {
           "password=hunter2",
           "password = hunter2",
           "password='hunter2'",
           "password = 'hunter2 and more'",
           "host=h password='it\\'s hunter2' user=u",
           "host=h password=hunter2\\ x user=u",
           "postgresql://u:hunter2@h/db",
           "postgres://u:hunter2@h1:5432,h2:5433/db?sslmode=require",
           "postgresql://u:hunter2@[::1]:5432/db",
           "postgresql://h/db?password=hunter2",
           "postgresql://h/db?sslmode=disable&password=hunter2&user=u",
           "postgresql://h/db?pass%77ord=hunter2",
           "postgresql://h/db?PASSWORD=hunter2",
           "postgresql://u:hunter2@h/db?password=hunter2",
           "POSTGRES://u:hunter2@h/db",
       }) {
    INFO(info);
    const std::string masked = mask_conninfo(info);
    CHECK(masked.find("hunter2") == std::string::npos);
    CHECK(masked.find("****") != std::string::npos);
  }
}

TEST_CASE("mask_conninfo_in hides the password wherever a message repeats it", "[unit][pg]") {
  using gg::pg::mask_conninfo_in;
  const std::string uri = "postgresql://u:hunter2@[::1/db";
  CHECK(mask_conninfo_in("bad URI: \"" + uri + "\"", uri) ==
        "bad URI: \"postgresql://u:****@[::1/db\"");
  CHECK(mask_conninfo_in("the password hunter2 is wrong", "host=h password='hunter2'") ==
        "the password **** is wrong");
  CHECK(mask_conninfo_in("token %65 stays", "postgresql://h/db?password=hunt%65r2") ==
        "token %65 stays");
  CHECK(mask_conninfo_in("no secret here", "host=h") == "no secret here");
}

TEST_CASE("a connection error never repeats the password", "[unit][pg]") {
  // libpq echoes an unparsable URI whole in its error message.
  for (const char* info : {"postgresql://u:hunter2@[::1/db", "postgresql://u:hunter2@h/db?x%zz=1",
                           "host=h password=hunter2 nosuchoption=1"}) {
    INFO(info);
    auto c = gg::pg::connection::open(info);
    REQUIRE_FALSE(c.has_value());
    INFO(c.error().message);
    CHECK(c.error().message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("quote_conninfo_value escapes quotes and backslashes", "[unit][pg]") {
  CHECK(gg::pg::quote_conninfo_value("a b") == "'a b'");
  CHECK(gg::pg::quote_conninfo_value("it's\\") == "'it\\'s\\\\'");
  CHECK(gg::pg::quote_conninfo_value("") == "''");
}

TEST_CASE("with_conninfo_option replaces the database of either form", "[unit][pg]") {
  auto kv = gg::pg::with_conninfo_option("host=/tmp/s port=5432 dbname=postgres", "dbname", "t_1");
  REQUIRE(kv.has_value());
  CHECK(kv->find("host='/tmp/s'") != std::string::npos);
  CHECK(kv->find("port='5432'") != std::string::npos);
  CHECK(kv->find("dbname='t_1'") != std::string::npos);
  CHECK(kv->find("postgres") == std::string::npos);
  auto uri = gg::pg::with_conninfo_option("postgresql://u:pw@h:5/db", "dbname", "t_2");
  REQUIRE(uri.has_value());
  CHECK(uri->find("dbname='t_2'") != std::string::npos);
  CHECK(uri->find("user='u'") != std::string::npos);
  CHECK(uri->find("password='pw'") != std::string::npos);
  CHECK(uri->find("'db'") == std::string::npos);
}

TEST_CASE("with_conninfo_option rejects an unparsable conninfo without echoing its password",
          "[unit][pg]") {
  auto bad = gg::pg::with_conninfo_option("password=hunter2 nonsense", "dbname", "x");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == gg::errc::invalid_input);
  CHECK(bad.error().message.find("hunter2") == std::string::npos);
}
