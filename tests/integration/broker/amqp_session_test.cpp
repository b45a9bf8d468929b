#include <gadgetgrove/broker/amqp_session.hpp>

#include "rabbitmq_node.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <string>

using namespace std::chrono_literals;
using gg::broker::amqp_session;

namespace {

std::string unique_stream(const char* what) {
  static std::atomic<int> n{0};
  return gg::broker::stream_name(std::string(what) + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(n.fetch_add(1)));
}

amqp_session connect() {
  auto url = gg::broker::parse_broker_url(gg::test::rabbitmq_url());
  REQUIRE(url.has_value());
  auto s = amqp_session::connect(*url, 60s);
  if (!s) FAIL(s.error());
  return std::move(*s);
}

}  // namespace

TEST_CASE("published messages are confirmed and read back from the stream in order with offsets",
          "[integration][broker]") {
  const std::string stream = unique_stream("roundtrip");
  auto pub = connect();
  REQUIRE(pub.declare_stream(stream, {}));
  // Declaring again with the same arguments is fine: every node does it at start.
  REQUIRE(pub.declare_stream(stream, {}));
  REQUIRE(pub.enable_confirms());
  std::uint64_t last = 0;
  for (int i = 0; i < 50; ++i) {
    auto tag = pub.publish(stream, "id-" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}");
    REQUIRE(tag);
    last = *tag;
  }
  CHECK(last == 50);
  auto confirmed = pub.wait_confirms(last, 120s);
  REQUIRE(confirmed);
  CHECK(*confirmed == last);

  auto sub = connect();
  REQUIRE(sub.consume(stream, {}, 20));
  for (int i = 0; i < 50; ++i) {
    auto d = sub.next(60s);
    REQUIRE(d.has_value());
    REQUIRE(d->has_value());
    CHECK((*d)->message_id == "id-" + std::to_string(i));
    CHECK((*d)->body == "{\"n\":" + std::to_string(i) + "}");
    CHECK((*d)->stream_offset == i);
    REQUIRE(sub.ack((*d)->tag, false));
  }
  auto none = sub.next(300ms);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a consumer started at an offset sees nothing before it, even within a chunk",
          "[integration][broker]") {
  const std::string stream = unique_stream("offset");
  auto pub = connect();
  REQUIRE(pub.declare_stream(stream, {}));
  REQUIRE(pub.enable_confirms());
  for (int i = 0; i < 10; ++i) REQUIRE(pub.publish(stream, std::to_string(i), std::to_string(i)));
  REQUIRE(pub.wait_confirms(10, 120s).value() == 10);

  auto sub = connect();
  REQUIRE(sub.consume(stream, {7}, 5));
  for (int i = 7; i < 10; ++i) {
    auto d = sub.next(60s);
    REQUIRE(d.has_value());
    REQUIRE(d->has_value());
    CHECK((*d)->stream_offset == i);
    CHECK((*d)->body == std::to_string(i));
    REQUIRE(sub.ack((*d)->tag, false));
  }
}

TEST_CASE("a stream redeclared with other retention is a conflict, not a silent change",
          "[integration][broker]") {
  const std::string stream = unique_stream("conflict");
  {
    auto s = connect();
    REQUIRE(s.declare_stream(stream, {std::chrono::hours(1), 0, 0}));
  }
  auto s = connect();
  auto st = s.declare_stream(stream, {std::chrono::hours(2), 0, 0});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == gg::errc::conflict);
}

TEST_CASE("a broker that is not there is an unavailable, retriable error",
          "[integration][broker]") {
  gg::test::rabbitmq_node node;  // never started: its port is free
  auto url = gg::broker::parse_broker_url(node.url());
  REQUIRE(url.has_value());
  auto s = amqp_session::connect(*url, 2s);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == gg::errc::unavailable);
  CHECK(s.error().is_retriable());
}

TEST_CASE("a wrong password is a config error", "[integration][broker]") {
  auto url = gg::broker::parse_broker_url(gg::test::rabbitmq_url());
  REQUIRE(url.has_value());
  url->password = "wrong";
  auto s = amqp_session::connect(*url, 60s);
  REQUIRE_FALSE(s.has_value());
  INFO(s.error());
  CHECK(s.error().code == gg::errc::config);
}
