#include "copy_encoder.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

using gg::loader::copy_encoder;
using namespace std::string_literals;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST_CASE("binary COPY starts with the PGCOPY signature and ends with -1", "[unit][loader]") {
  std::string out;
  copy_encoder enc(out);
  enc.header();
  CHECK(out == "PGCOPY\n\xff\r\n\0"s + bytes({0, 0, 0, 0, 0, 0, 0, 0}));
  out.clear();
  enc.trailer();
  CHECK(out == bytes({0xff, 0xff}));
  out.clear();
  enc.row(15);
  CHECK(out == bytes({0, 15}));
}

TEST_CASE("binary COPY encodes text, NULL and jsonb", "[unit][loader]") {
  std::string out;
  copy_encoder enc(out);
  enc.text(std::string_view{"héllo"});
  CHECK(out == bytes({0, 0, 0, 6}) + "héllo");
  out.clear();
  enc.text(std::string_view{});
  CHECK(out == bytes({0, 0, 0, 0}));
  out.clear();
  enc.text(std::optional<std::string_view>{});
  CHECK(out == bytes({0xff, 0xff, 0xff, 0xff}));
  out.clear();
  enc.jsonb(std::string_view{R"({"a":1})"});
  CHECK(out == bytes({0, 0, 0, 8, 1}) + R"({"a":1})");
  out.clear();
  enc.jsonb(std::nullopt);
  CHECK(out == bytes({0xff, 0xff, 0xff, 0xff}));
}

TEST_CASE("binary COPY encodes timestamptz as microseconds since 2000-01-01", "[unit][loader]") {
  std::string out;
  copy_encoder enc(out);
  enc.timestamptz(*gg::parse_iso8601("2000-01-01T00:00:00Z"));
  CHECK(out == bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0}));
  out.clear();
  enc.timestamptz(*gg::parse_iso8601("2000-01-01T00:00:00.000001Z"));
  CHECK(out == bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1}));
  out.clear();
  // One microsecond before the PostgreSQL epoch: two's complement -1.
  enc.timestamptz(*gg::parse_iso8601("1999-12-31T23:59:59.999999Z"));
  CHECK(out == bytes({0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  out.clear();
  // 2026-11-26T15:19:11.123456Z is 849'021'551'123'456 µs after 2000-01-01.
  enc.timestamptz(*gg::parse_iso8601("2026-11-26T15:19:11.123456Z"));
  const std::int64_t us = 849'021'551'123'456;
  std::string want = bytes({0, 0, 0, 8});
  for (int i = 7; i >= 0; --i) want.push_back(static_cast<char>((us >> (8 * i)) & 0xff));
  CHECK(out == want);
  out.clear();
  enc.timestamptz(std::optional<gg::sys_us>{});
  CHECK(out == bytes({0xff, 0xff, 0xff, 0xff}));
}

TEST_CASE("binary COPY encodes uuid, boolean and bigint", "[unit][loader]") {
  std::string out;
  copy_encoder enc(out);
  enc.uuid(*gg::parse_uuid("0190f5a2-7c1e-7b3d-8a4f-123456789abc"));
  CHECK(out == bytes({0,    0,    0,    16,   0x01, 0x90, 0xf5, 0xa2, 0x7c, 0x1e,
                      0x7b, 0x3d, 0x8a, 0x4f, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc}));
  out.clear();
  enc.boolean(true);
  enc.boolean(false);
  CHECK(out == bytes({0, 0, 0, 1, 1, 0, 0, 0, 1, 0}));
  out.clear();
  enc.int8(-2);
  enc.int8(0x0102030405060708);
  CHECK(out == bytes({0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                      0, 0, 0, 8, 1,    2,    3,    4,    5,    6,    7,    8}));
}

TEST_CASE("an event row is written as 15 fields in column order", "[unit][loader]") {
  gg::loader::event_row row;
  row.event_id = *gg::parse_uuid("00000000-0000-0000-0000-000000000001");
  row.type = "page_view";
  row.event = "page_view";
  row.server_timestamp = *gg::parse_iso8601("2000-01-01T00:00:00.000002Z");
  row.properties = "{}";
  row.queue_name = "page_views";
  row.is_bot = true;
  std::string out;
  copy_encoder enc(out);
  gg::loader::write_event_row(enc, row);
  const std::string null = bytes({0xff, 0xff, 0xff, 0xff});
  const std::string want =
      bytes({0, 15}) +                                                        // field count
      bytes({0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) +  // event_id
      bytes({0, 0, 0, 9}) + "page_view" +                                     // type
      bytes({0, 0, 0, 9}) + "page_view" +                                     // event
      null +                                                                  // timestamp
      bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2}) +                           // server_timestamp
      null + null + null + null + null + null +                               // session_id .. path
      bytes({0, 0, 0, 3, 1}) + "{}" +                                         // properties
      bytes({0, 0, 0, 10}) + "page_views" +                                   // queue_name
      null +                                                                  // processed_timestamp
      bytes({0, 0, 0, 1, 1});                                                 // is_bot
  CHECK(out == want);
}
