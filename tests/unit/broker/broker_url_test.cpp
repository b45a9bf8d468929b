#include <gadgetgrove/broker/broker_url.hpp>

#include <gadgetgrove/broker/stream_queue.hpp>

#include <catch2/catch.hpp>

using gg::broker::parse_broker_url;

TEST_CASE("a full amqp URL is taken apart, %-escapes decoded", "[unit][broker]") {
  auto u = parse_broker_url("amqp://shop:p%40ss@10.0.0.5:5673/prod%2Fa");
  REQUIRE(u.has_value());
  CHECK(u->user == "shop");
  CHECK(u->password == "p@ss");
  CHECK(u->host == "10.0.0.5");
  CHECK(u->port == 5673);
  CHECK(u->vhost == "prod/a");
  CHECK(u->redacted() == "amqp://shop:****@10.0.0.5:5673/prod/a");
}

TEST_CASE("a printed broker URL never shows its password, even when it does not parse",
          "[unit][broker]") {
  CHECK(gg::broker::mask_broker_url("amqp://shop:s3cret@mq:5672/prod") ==
        "amqp://shop:****@mq:5672/prod");
  CHECK(gg::broker::mask_broker_url("amqp://mq") == "amqp://guest:****@mq:5672/");
  // The '@' forgotten: the password is read as a port; neither the URL nor the error shows it.
  CHECK(gg::broker::mask_broker_url("amqp://shop:s3cret") == "****");
  auto bad = parse_broker_url("amqp://shop:s3cret");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("s3cret") == std::string::npos);
  CHECK(gg::broker::mask_broker_url("amqps://shop:s3cret@mq") == "****");
}

TEST_CASE("a bare amqp URL means guest on the default port and vhost", "[unit][broker]") {
  auto u = parse_broker_url("amqp://broker.local");
  REQUIRE(u.has_value());
  CHECK(u->host == "broker.local");
  CHECK(u->port == 5672);
  CHECK(u->user == "guest");
  CHECK(u->vhost == "/");
  auto slash = parse_broker_url("amqp://broker.local/");
  REQUIRE(slash.has_value());
  CHECK(slash->vhost == "/");
}

TEST_CASE("other schemes, bad ports and broken escapes are refused", "[unit][broker]") {
  for (const char* bad : {"amqps://h", "http://h", "amqp://h:0", "amqp://h:70000", "amqp://h:x",
                          "amqp://u:%4@h", "amqp://h/%zz"}) {
    INFO(bad);
    auto u = parse_broker_url(bad);
    REQUIRE_FALSE(u.has_value());
    CHECK(u.error().code == gg::errc::invalid_input);
  }
}

TEST_CASE("each queue has its stream named gadgetgrove.<queue>", "[unit][broker]") {
  CHECK(gg::broker::stream_name("events") == "gadgetgrove.events");
}
