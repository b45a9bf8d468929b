#include "line_parser.hpp"

#include <catch2/catch.hpp>

#include "framing.hpp"

#include <string>

namespace {

using gg::loader::event_row;
using gg::loader::line_parser;
using gg::loader::reject_code;
using gg::loader::reject_reason;
using gg::loader::test::frame;

constexpr std::string_view id = "0190f5a2-7c1e-7b3d-8a4f-123456789abc";
constexpr std::string_view server_ts = R"("server_timestamp":"2026-11-26T15:19:11.123456Z")";

// parse_line() reads up to line_padding bytes past the line: keep them in the same buffer.
std::optional<reject_reason> parse(line_parser& p, const std::string& line, event_row& row,
                                   bool terminated = true, std::string_view queue = "page_views") {
  static std::string buffer;
  buffer = line;
  buffer.append(gg::loader::line_padding, '\n');
  return p.parse_line(std::string_view{buffer.data(), line.size()}, terminated, queue, row);
}

std::string reason_of(const std::string& object) {
  line_parser p;
  event_row row;
  const auto r = parse(p, frame(object), row);
  return r ? r->to_string() : "accepted";
}

std::string event(std::string_view fields) {
  return std::string("{") + std::string(fields) + ",\"event_id\":\"" + std::string(id) + "\"," +
         std::string(server_ts) + "}";
}

gg::sys_us at(std::string_view iso) { return *gg::parse_iso8601(iso); }

}  // namespace

TEST_CASE("a page view maps every column", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line = frame(
      R"({"type":"page_view","url":"http://localhost:8000/category/laptops","path":"/category/laptops",)"
      R"("title":"Laptops","referrer":"http://localhost:8000/","timestamp":"2026-11-26T15:19:10.500Z",)"
      R"("sessionId":"s-1","userId":"u-1","event_id":"0190F5A2-7C1E-7B3D-8A4F-123456789ABC",)"
      R"("server_timestamp":"2026-11-26T15:19:11.123456Z","client_ip":"203.0.113.7",)"
      R"("user_agent":"Mozilla/5.0","_source":"api","_queue":"page_views",)"
      R"("_processed_at":"2026-11-26T15:19:11.200000Z"})");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK(row.event_id == *gg::parse_uuid(id));
  CHECK(row.type == "page_view");
  CHECK(row.event == "page_view");  // no event name: the type
  CHECK(row.timestamp == at("2026-11-26T15:19:10.5Z"));
  CHECK(row.server_timestamp == at("2026-11-26T15:19:11.123456Z"));
  CHECK(row.session_id == "s-1");
  CHECK(row.user_id == "u-1");
  CHECK(row.client_ip == "203.0.113.7");
  CHECK(row.user_agent == "Mozilla/5.0");
  CHECK(row.url == "http://localhost:8000/category/laptops");
  CHECK(row.path == "/category/laptops");
  CHECK(row.properties == R"({"referrer":"http://localhost:8000/","title":"Laptops"})");
  CHECK(row.queue_name == "page_views");
  CHECK(row.processed_timestamp == at("2026-11-26T15:19:11.2Z"));
  CHECK_FALSE(row.is_bot);
}

TEST_CASE("an identify stores its traits as properties", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line = frame(
      R"({"type":"identify","userId":"u-9","traits":{"name":"Zoë Müller","email":"zoe@example.com"},)"
      R"("sessionId":"s-2","event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
      std::string(server_ts) + R"(,"_queue":"user_events"})");
  REQUIRE_FALSE(parse(p, line, row, true, "user_events"));
  CHECK(row.type == "identify");
  CHECK(row.event == "identify");
  CHECK(row.user_id == "u-9");
  CHECK(row.properties == R"({"name":"Zoë Müller","email":"zoe@example.com"})");
  CHECK(row.queue_name == "user_events");
}

TEST_CASE("a custom event keeps its name and its properties' exact text", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string props =
      R"({"product_id":"SM-1a2b3c4d","price":1299.99,"quantity":2,"tags":["a","b"],"n":null,"ok":true})";
  const std::string line =
      frame(R"({"type":"custom_event","event":"add_to_cart","properties":)" + props +
            R"(,"sessionId":"s-3","event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
            std::string(server_ts) + R"(,"_queue":"ecommerce_events"})");
  REQUIRE_FALSE(parse(p, line, row, true, "ecommerce_events"));
  CHECK(row.type == "custom_event");
  CHECK(row.event == "add_to_cart");
  CHECK(row.properties == props);
  CHECK_FALSE(row.url);
  CHECK_FALSE(row.timestamp);
}

TEST_CASE("a Segment call maps anonymousId and context.page", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line = frame(
      R"({"anonymousId":"anon-7","context":{"library":{"name":"analytics.js"},)"
      R"("page":{"title":"Home","url":"http://shop.test/?q=1","path":"/"}},)"
      R"("properties":{"title":"Home"},"type":"page_view","event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
      std::string(server_ts) + R"(,"_source":"segment"})");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK(row.session_id == "anon-7");
  CHECK(row.url == "http://shop.test/?q=1");
  CHECK(row.path == "/");
  CHECK(row.properties == R"({"title":"Home"})");
  CHECK(row.queue_name == "page_views");  // no _queue: the segment's queue
}

TEST_CASE("url and path fall back to properties before context.page", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line = frame(
      R"({"context":{"page":{"url":"http://ctx/","path":"/ctx"}},"properties":{"url":"http://props/"},)"
      R"("sessionId":"s","anonymousId":"a","type":"custom_event","event":"x","event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
      std::string(server_ts) + "}");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK(row.url == "http://props/");
  CHECK(row.path == "/ctx");
  CHECK(row.session_id == "s");  // sessionId wins over anonymousId
}

TEST_CASE("null fields become SQL NULL and _bot marks bots", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line =
      frame(R"({"type":null,"userId":null,"properties":null,"timestamp":null,"_bot":true,)"
            R"("event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
            std::string(server_ts) + "}");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK_FALSE(row.type);
  CHECK_FALSE(row.event);
  CHECK_FALSE(row.user_id);
  CHECK_FALSE(row.properties);
  CHECK_FALSE(row.timestamp);
  CHECK(row.is_bot);
}

TEST_CASE("unicode and escapes in properties are passed through as written", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string props =
      R"({"q":"caf\u00e9 \"quoted\" \\ back\/slash\n\t","emoji":"😀","pair":"\ud83d\ude00","ключ":"значение"})";
  const std::string line = frame(R"({"type":"custom_event","event":"search","properties":)" +
                                 props + R"(,"event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
                                 std::string(server_ts) + "}");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK(row.properties == props);
}

TEST_CASE("text fields are unescaped", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string line = frame(R"({"userId":"a\"b\\c\u00e9","user_agent":"x\ty","type":"t",)"
                                 R"("event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)" +
                                 std::string(server_ts) + "}");
  REQUIRE_FALSE(parse(p, line, row));
  CHECK(row.user_id == "a\"b\\c\xc3\xa9");
  CHECK(row.user_agent == "x\ty");
}

TEST_CASE("timestamps are parsed with offsets, fractions and case variants", "[unit][loader]") {
  line_parser p;
  event_row row;
  auto ts = [&](std::string_view value) -> std::optional<gg::sys_us> {
    const std::string line = frame(
        event(std::string(R"("type":"page_view","timestamp":")") + std::string(value) + "\""));
    if (parse(p, line, row)) return std::nullopt;
    return row.timestamp;
  };
  CHECK(ts("2026-11-26T15:19:11Z") == at("2026-11-26T15:19:11.000000Z"));
  CHECK(ts("2026-11-26T20:49:11+05:30") == at("2026-11-26T15:19:11Z"));
  CHECK(ts("2026-11-26T07:19:11-0800") == at("2026-11-26T15:19:11Z"));
  CHECK(ts("2026-11-26T15:19:11.1Z") == at("2026-11-26T15:19:11.100000Z"));
  CHECK(ts("2026-11-26T15:19:11.123456789Z") == at("2026-11-26T15:19:11.123456Z"));
  CHECK(ts("2026-11-26t15:19:11z") == at("2026-11-26T15:19:11Z"));
  CHECK(ts("2026-11-26 15:19:11") == at("2026-11-26T15:19:11Z"));
  CHECK(ts("2024-02-29T00:00:00Z") == at("2024-02-29T00:00:00Z"));
  CHECK(ts("2026-01-01T00:30:00+01:00") == at("2025-12-31T23:30:00Z"));
  CHECK(ts("0001-01-01T00:00:00Z") == at("0001-01-01T00:00:00Z"));
  CHECK(ts("9999-12-31T23:59:59.999999Z") == at("9999-12-31T23:59:59.999999Z"));
}

TEST_CASE("a timestamp that is not ISO 8601 is rejected as invalid_timestamp", "[unit][loader]") {
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z",
                          "yesterday", "", "2026-11-26T15:19:11Zjunk", "1732634351000"}) {
    INFO(bad);
    CHECK(reason_of(event(std::string(R"("timestamp":")") + bad + "\"")) == "invalid_timestamp");
  }
  CHECK(reason_of(
            R"({"event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc","server_timestamp":"now"})") ==
        "invalid_timestamp");
  CHECK(reason_of(event(R"("_processed_at":"2026-11-26")")) == "accepted");
  CHECK(reason_of(event(R"("_processed_at":"26/11/2026")")) == "invalid_timestamp");
}

TEST_CASE("every framing problem has its own reason", "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string good = frame(event(R"("type":"page_view")"));
  REQUIRE_FALSE(parse(p, good, row));

  CHECK(parse(p, good, row, false)->code == reject_code::torn_line);
  CHECK(parse(p, good.substr(0, good.size() - 7), row, false)->code == reject_code::torn_line);
  CHECK(parse(p, event(R"("type":"page_view")"), row)->code == reject_code::missing_checksum);
  CHECK(parse(p, "", row)->code == reject_code::missing_checksum);

  std::string flipped = good;
  flipped[10] ^= 0x01;
  CHECK(parse(p, flipped, row)->code == reject_code::checksum_mismatch);
  std::string bad_hash = good;
  bad_hash[good.size() - 4] = bad_hash[good.size() - 4] == '0' ? '1' : '0';
  CHECK(parse(p, bad_hash, row)->code == reject_code::checksum_mismatch);
}

TEST_CASE("every content problem has its own reason", "[unit][loader]") {
  CHECK(reason_of(R"({"type":"page_view","event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc",)"
                  R"("server_timestamp":"2026-11-26T15:19:11Z",}extra})") == "invalid_json");
  CHECK(reason_of(R"({"type" "page_view"})") == "invalid_json");
  CHECK(reason_of(R"({"type":"page_view",)" + std::string(server_ts) + "}") == "missing_event_id");
  CHECK(reason_of(R"({"event_id":null,)" + std::string(server_ts) + "}") == "missing_event_id");
  CHECK(reason_of(R"({"event_id":"not-a-uuid",)" + std::string(server_ts) + "}") ==
        "invalid_event_id");
  CHECK(reason_of(R"({"event_id":"0190f5a27c1e7b3d8a4f123456789abc",)" + std::string(server_ts) +
                  "}") == "invalid_event_id");
  CHECK(reason_of(R"({"event_id":42,)" + std::string(server_ts) + "}") == "wrong_type:event_id");
  CHECK(reason_of(R"({"event_id":"0190f5a2-7c1e-7b3d-8a4f-123456789abc"})") ==
        "missing_server_timestamp");
  CHECK(reason_of(event(R"("userId":12345)")) == "wrong_type:userId");
  CHECK(reason_of(event(R"("sessionId":["s"])")) == "wrong_type:sessionId");
  CHECK(reason_of(event(R"("type":{"t":1})")) == "wrong_type:type");
  CHECK(reason_of(event(R"("properties":[1,2])")) == "wrong_type:properties");
  CHECK(reason_of(event(R"("properties":"{}")")) == "wrong_type:properties");
  CHECK(reason_of(event(R"("traits":true)")) == "wrong_type:traits");
  CHECK(reason_of(event(R"("_bot":"yes")")) == "wrong_type:_bot");
  CHECK(reason_of(event(R"("timestamp":1732634351)")) == "wrong_type:timestamp");
  CHECK(reason_of(event(R"("_queue":5)")) == "wrong_type:_queue");
}

TEST_CASE("values PostgreSQL cannot store are rejected before the COPY", "[unit][loader]") {
  CHECK(reason_of(event(R"("userId":"a\u0000b")")) == "unsupported_value:userId");
  CHECK(reason_of(event(R"("properties":{"k":"a\u0000b"})")) == "unsupported_value:properties");
  CHECK(reason_of(event(R"("properties":{"a\u0000":1})")) == "unsupported_value:properties");
  CHECK(reason_of(event(R"("properties":{"deep":[{"x":"\u0000"}]})")) ==
        "unsupported_value:properties");
  CHECK(reason_of(event(R"("traits":{"n":1e1001})")) == "unsupported_value:traits");
  CHECK(reason_of(event(
            R"("properties":{"n":1e1000,"m":-2.5E-1000,"big":123456789012345678901234567890})")) ==
        "accepted");
  CHECK(reason_of(event(R"("properties":{"url":"a\u0000"})")) == "unsupported_value:properties");
}

TEST_CASE("malformed JSON inside a stored object is caught even though it is skipped",
          "[unit][loader]") {
  CHECK(reason_of(event(R"("properties":{"s":"\ud800"})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"s":"\udc00x"})")) == "invalid_json");
  CHECK(reason_of(event(R"("userId":"\ud800")")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"n":01})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"n":1.})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"n":-})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"b":tru})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"a":[1 2]})")) == "invalid_json");
  CHECK(reason_of(event(R"("properties":{"a":{"b" 1}})")) == "invalid_json");
}

TEST_CASE("deeply nested properties beyond the limit are unsupported", "[unit][loader]") {
  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "[";
  for (int i = 0; i < 600; ++i) deep += "]";
  CHECK(reason_of(event(R"("properties":{"d":)" + deep + "}")) == "unsupported_value:properties");
  std::string ok;
  for (int i = 0; i < 100; ++i) ok += "{\"a\":";
  ok += "1";
  for (int i = 0; i < 100; ++i) ok += "}";
  CHECK(reason_of(event(R"("properties":)" + ok)) == "accepted");
}

TEST_CASE("the parser is reusable after a rejected line", "[unit][loader]") {
  line_parser p;
  event_row row;
  CHECK(parse(p, frame(event(R"("properties":{"a":[1 2]})")), row));
  REQUIRE_FALSE(parse(p, frame(event(R"("properties":{"a":[1,2]})")), row));
  CHECK(row.properties == R"({"a":[1,2]})");
}

TEST_CASE("replay verifies a checksum tail when there is one and reads plain JSON otherwise",
          "[unit][loader]") {
  line_parser p;
  event_row row;
  const std::string plain = event(R"("type":"page_view","userId":"fixed")");
  REQUIRE_FALSE(p.parse_replay(plain, "page_views", row));
  CHECK(row.user_id == "fixed");
  REQUIRE_FALSE(p.parse_replay(frame(plain), "page_views", row));
  std::string flipped = frame(plain);
  flipped[3] = 'X';
  CHECK(p.parse_replay(flipped, "page_views", row)->code == reject_code::checksum_mismatch);
  CHECK(p.parse_replay(plain.substr(0, 20), "page_views", row)->code == reject_code::invalid_json);
}

TEST_CASE("reject reasons have stable text forms", "[unit][loader]") {
  CHECK(reject_reason{reject_code::checksum_mismatch, {}}.to_string() == "checksum_mismatch");
  CHECK(reject_reason{reject_code::wrong_type, "userId"}.to_string() == "wrong_type:userId");
  CHECK(reject_reason{reject_code::database_error, "22P02"}.to_string() == "database_error:22P02");
  for (auto c : {reject_code::torn_line, reject_code::missing_checksum, reject_code::invalid_json,
                 reject_code::missing_event_id, reject_code::invalid_event_id,
                 reject_code::missing_server_timestamp, reject_code::invalid_timestamp}) {
    CHECK(gg::loader::to_string(c) != "unknown");
  }
}

TEST_CASE("a page view's top-level title and referrer join its properties, which win",
          "[unit][loader]") {
  line_parser p;
  event_row row;
  REQUIRE_FALSE(parse(
      p, frame(event(R"("type":"page_view","referrer":"https://news.example/a?q=\"x\"")")), row));
  CHECK(row.properties == R"({"referrer":"https://news.example/a?q=\"x\""})");

  REQUIRE_FALSE(parse(p,
                      frame(event(R"("type":"page_view","title":"T","referrer":"r",)"
                                  R"("properties":{"referrer":"own","utm_source":"nl"})")),
                      row));
  CHECK(row.properties == R"({"referrer":"r","title":"T","referrer":"own","utm_source":"nl"})");

  REQUIRE_FALSE(parse(p, frame(event(R"("type":"page_view","title":"T","properties":{ })")), row));
  CHECK(row.properties == R"({"title":"T" })");

  // Not strings, or not storable: ignored, never a reason to reject the event.
  REQUIRE_FALSE(parse(p,
                      frame(event(R"("type":"page_view","title":7,"referrer":null,)"
                                  R"("properties":{"a":1})")),
                      row));
  CHECK(row.properties == R"({"a":1})");
  REQUIRE_FALSE(parse(p, frame(event(R"("type":"page_view","referrer":"a\u0000b")")), row));
  CHECK_FALSE(row.properties);

  // An identify keeps its traits as they are.
  REQUIRE_FALSE(parse(p, frame(event(R"("type":"identify","title":"T","traits":{"n":"x"})")), row));
  CHECK(row.properties == R"({"n":"x"})");
}
