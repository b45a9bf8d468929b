#include <gadgetgrove/ingest/event_enricher.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace gg::ingest;
using namespace std::string_literals;

namespace {

const gg::sys_us received = *gg::parse_iso8601("2026-11-26T15:19:11.123456Z");

request_info browser_request() {
  request_info r;
  r.client_ip = "203.0.113.77";
  r.user_agent =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
      "Safari/537.36";
  r.received = received;
  return r;
}

/// A parsed line, for asserting on its members.
class parsed_line {
 public:
  explicit parsed_line(const std::string& line) : text_(line) {
    REQUIRE(line.find('\n') == std::string::npos);
    const auto err = parser_.parse(text_).get(root_);
    INFO(line);
    REQUIRE(err == simdjson::SUCCESS);
    REQUIRE(root_.is_object());
  }

  bool has(const char* key) const {
    simdjson::dom::element e;
    return root_[key].get(e) == simdjson::SUCCESS;
  }
  std::string str(const char* key) const {
    std::string_view v;
    INFO(key);
    REQUIRE(root_[key].get(v) == simdjson::SUCCESS);
    return std::string{v};
  }
  simdjson::dom::element at(const char* pointer) const {
    simdjson::dom::element e;
    INFO(pointer);
    REQUIRE(root_.at_pointer(pointer).get(e) == simdjson::SUCCESS);
    return e;
  }
  /// The keys in document order (duplicates included).
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (auto [k, v] : simdjson::dom::object(root_)) out.emplace_back(k);
    return out;
  }

 private:
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

struct outcome {
  reject_reason reason;
  enriched_event event;
};

outcome api(std::string_view body, const ingest_config& cfg = {},
            request_info req = browser_request()) {
  const event_enricher e{cfg};
  outcome o;
  o.reason = e.enrich_one(event_source::api, body, req, o.event);
  return o;
}

outcome segment(segment_call call, std::string_view body, const ingest_config& cfg = {},
                request_info req = browser_request()) {
  const event_enricher e{cfg};
  outcome o;
  o.reason = e.enrich_segment(call, body, req, o.event);
  return o;
}

reject_reason api_reason(std::string_view body) { return api(body).reason; }

const char* page_view_body =
    R"({"type":"page_view","url":"https://shop.example/category/laptops","path":"/category/laptops","title":"Laptops","referrer":"","timestamp":"2026-11-26T15:19:10.500Z","sessionId":"k3J9x_2pQmZr8vLw4NtYbA","userId":null,"nested":{"a":[1,2.5e3,-0.0,true,false,null,"\u00e9\"x"]}})";

}  // namespace

TEST_CASE("a page view is enriched with every added field and keeps the client's",
          "[unit][ingest]") {
  const auto o = api(page_view_body);
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.queue == queue_id::page_views);
  const parsed_line p{o.event.line};
  CHECK(p.str("type") == "page_view");
  CHECK(p.str("url") == "https://shop.example/category/laptops");
  CHECK(p.str("path") == "/category/laptops");
  CHECK(p.str("title") == "Laptops");
  CHECK(p.str("referrer").empty());
  CHECK(p.str("sessionId") == "k3J9x_2pQmZr8vLw4NtYbA");
  CHECK(p.at("/userId").is_null());
  CHECK(p.str("timestamp") == "2026-11-26T15:19:10.500Z");
  CHECK(std::string{p.at("/nested/a/6").get_string().value()} == "\xc3\xa9\"x");
  CHECK(p.at("/nested/a/1").get_double().value() == 2500.0);
  CHECK(p.str("event_id") == o.event.event_id.to_string());
  CHECK(o.event.event_id.version() == 7);
  CHECK(p.str("server_timestamp") == "2026-11-26T15:19:11.123456Z");
  CHECK(p.str("client_ip") == "203.0.113.77");
  CHECK(p.str("user_agent") == browser_request().user_agent);
  CHECK_FALSE(p.has("_bot"));
  CHECK_FALSE(p.has("visitor_hash"));
  CHECK_FALSE(p.has("original_timestamp"));
  CHECK(p.str("_source") == "api");
  CHECK(p.str("_queue") == "page_views");
  CHECK(gg::parse_iso8601(p.str("_processed_at")).has_value());
  CHECK(p.str("_processed_at").size() == gg::iso8601_us_size);
}

TEST_CASE("server_timestamp keeps microseconds across requests in the same second",
          "[unit][ingest]") {
  auto req = browser_request();
  const std::string base = "2026-11-26T15:19:11.";
  for (const int micros : {123456, 123457, 999999}) {
    req.received = *gg::parse_iso8601(base + std::to_string(micros) + "Z");
    CHECK(parsed_line{api(page_view_body, {}, req).event.line}.str("server_timestamp") ==
          base + std::to_string(micros) + "Z");
  }
  req.received = *gg::parse_iso8601("2026-11-26T15:19:12.000001Z");
  CHECK(parsed_line{api(page_view_body, {}, req).event.line}.str("server_timestamp") ==
        "2026-11-26T15:19:12.000001Z");
}

TEST_CASE("the client's members come first, byte for byte, then ingest's keys", "[unit][ingest]") {
  const auto o = api(R"({"b":1, "type":"custom_event","event":"x","a":{"k" : [ 1 ,2 ]}})");
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.line.rfind(R"({"b":1,"event":"x","a":{"k" : [ 1 ,2 ]},"event_id":")", 0) == 0);
  const parsed_line p{o.event.line};
  const auto keys = p.keys();
  const std::vector<std::string> expected = {
      "b",         "event",      "a",       "event_id",      "type",  "server_timestamp",
      "client_ip", "user_agent", "_source", "_processed_at", "_queue"};
  CHECK(keys == expected);
}

TEST_CASE("a pretty-printed body becomes one line", "[unit][ingest]") {
  const auto o =
      api("{\n  \"type\": \"page_view\",\n  \"props\": {\n    \"a\": [1,\r\n 2]\n  },\n"
          "  \"s\": \"two words\"\n}\n");
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.line.find('\n') == std::string::npos);
  CHECK(o.event.line.find('\r') == std::string::npos);
  const parsed_line p{o.event.line};
  CHECK(p.str("s") == "two words");
  CHECK(p.at("/props/a/1").get_int64().value() == 2);
}

TEST_CASE("ingest's own keys sent by the client are replaced, not duplicated", "[unit][ingest]") {
  const auto o = api(
      R"({"type":"page_view","event_id":"x","server_timestamp":"y","client_ip":"1.1.1.1","user_agent":"z","_bot":false,"_source":"evil","_queue":"user_events","_processed_at":"p","_checksum":"c","visitor_hash":"v","original_timestamp":"o"})");
  REQUIRE(o.reason == reject_reason::none);
  const parsed_line p{o.event.line};
  const auto keys = p.keys();
  const std::vector<std::string> expected = {"event_id",      "type",       "server_timestamp",
                                             "client_ip",     "user_agent", "_source",
                                             "_processed_at", "_queue"};
  CHECK(keys == expected);
  CHECK(p.str("_queue") == "page_views");
  CHECK(p.str("client_ip") == "203.0.113.77");
}

TEST_CASE("an escaped key is recognised by its unescaped name", "[unit][ingest]") {
  const auto o = api(R"({"ty\u0070e":"identify","userId":"u1"})");
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.queue == queue_id::user_events);
  CHECK(parsed_line{o.event.line}.keys() ==
        std::vector<std::string>{"userId", "event_id", "type", "server_timestamp", "client_ip",
                                 "user_agent", "_source", "_processed_at", "_queue"});
}

TEST_CASE("custom events route on their name and identify goes to user_events", "[unit][ingest]") {
  CHECK(api(R"({"type":"custom_event","event":"add_to_cart","properties":{"price":1299.99}})")
            .event.queue == queue_id::ecommerce_events);
  CHECK(api(R"({"type":"custom_event","event":"logout"})").event.queue == queue_id::user_events);
  CHECK(api(R"({"type":"identify","userId":"u","traits":{"name":"A","email":"a@example.com"}})")
            .event.queue == queue_id::user_events);
  CHECK(api(R"({"type":"custom_event","event":"scroll","queueName":"analytics_events"})")
            .event.queue == queue_id::analytics_events);
  CHECK(api(R"({"type":"custom_event","event":"scroll","queueName":7})").event.queue ==
        queue_id::event_queue);
}

TEST_CASE("each input rule refuses with its own reason", "[unit][ingest]") {
  CHECK(api_reason("not json") == reject_reason::not_json);
  CHECK(api_reason("") == reject_reason::not_json);
  CHECK(api_reason("{") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"identify","traits":{"name":"Ada"})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":[1])") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":"b")") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view",)") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view"} {})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":tru})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":01})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":[1,]})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":{"b" 1}})") == reject_reason::not_json);
  // A string followed by ':' where a comma belongs (On Demand would skip it as a key).
  CHECK(api_reason(R"({"type":"d":"x","a":1})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"d":""[""]},"":""})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":["x":1]})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":{"k":"v":1}})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","a":"bad \q escape"})") == reject_reason::not_json);
  CHECK(api_reason("{\"type\":\"page_view\",\"a\":\"raw\ttab\"}") == reject_reason::not_json);
  CHECK(api_reason("{\"type\":\"page_view\",\"a\":\"\xff\"}") == reject_reason::invalid_utf8);
  CHECK(api_reason("{\"type\":\"page_view\",\"a\":\"\xc3\x28\"}") == reject_reason::invalid_utf8);
  CHECK(api_reason("[]") == reject_reason::not_object);
  CHECK(api_reason(R"("page_view")") == reject_reason::not_object);
  CHECK(api_reason("42") == reject_reason::not_object);
  CHECK(api_reason("null") == reject_reason::not_object);
  CHECK(api_reason(R"({"type":"page_view","a":"\u0000"})") == reject_reason::nul_character);
  CHECK(api_reason(R"({"type":"page_view","a":"\\u0000"})") == reject_reason::none);
  CHECK(api_reason(R"({"url":"/"})") == reject_reason::missing_type);
  CHECK(api_reason(R"({"type":7})") == reject_reason::missing_type);
  CHECK(api_reason(R"({"type":""})") == reject_reason::missing_type);
  CHECK(api_reason(R"({"type":null})") == reject_reason::missing_type);
  CHECK(api_reason(R"({"type":"custom_event"})") == reject_reason::missing_event);
  CHECK(api_reason(R"({"type":"custom_event","event":5})") == reject_reason::invalid_event);
  CHECK(api_reason(R"({"type":"custom_event","event":""})") == reject_reason::missing_event);
  CHECK(api_reason(R"({"type":"page_view","sessionId":12})") == reject_reason::invalid_session_id);
  CHECK(api_reason(R"({"type":"page_view","userId":{"id":1}})") == reject_reason::invalid_user_id);
  CHECK(api_reason(R"({"type":"page_view","anonymousId":[]})") ==
        reject_reason::invalid_anonymous_id);
  CHECK(api_reason(R"({"type":"page_view","messageId":"has space"})") ==
        reject_reason::invalid_message_id);
  CHECK(api_reason(R"({"type":"page_view","messageId":17})") == reject_reason::invalid_message_id);
  CHECK(api_reason(R"({"type":"page_view","timestamp":"yesterday"})") ==
        reject_reason::invalid_timestamp);
  CHECK(api_reason(R"({"type":"page_view","timestamp":1732634351000})") ==
        reject_reason::invalid_timestamp);
  CHECK(api_reason(R"({"type":"page_view","timestamp":"2026-02-30T00:00:00Z"})") ==
        reject_reason::invalid_timestamp);
  CHECK(api_reason(R"({"type":"page_view","sentAt":"soon"})") == reject_reason::invalid_sent_at);
}

namespace {

/// A value of every JSON type but the ones a field may have.
struct wrong_form {
  const char* name;
  const char* json;
};

constexpr wrong_form scalar_and_container_forms[] = {
    {"a number", "5"},           {"a negative number", "-0.5e3"}, {"true", "true"},
    {"false", "false"},          {"an array", R"(["/a"])"},       {"an empty array", "[]"},
    {"an object", R"({"a":1})"}, {"an empty object", "{}"}};

constexpr wrong_form string_forms[] = {{"a string", R"("x")"}, {"an empty string", R"("")"}};

std::string with_member(std::string_view field, std::string_view value) {
  return R"({"type":"page_view",")" + std::string{field} + R"(":)" + std::string{value} + "}";
}

}  // namespace

TEST_CASE("url, path, event and the identifiers of any type but string are refused by name",
          "[unit][ingest]") {
  const std::pair<const char*, reject_reason> fields[] = {
      {"url", reject_reason::invalid_url},
      {"path", reject_reason::invalid_path},
      {"event", reject_reason::invalid_event},
      {"sessionId", reject_reason::invalid_session_id},
      {"userId", reject_reason::invalid_user_id},
      {"anonymousId", reject_reason::invalid_anonymous_id}};
  for (const auto& [field, reason] : fields) {
    for (const auto& form : scalar_and_container_forms) {
      INFO(field << " as " << form.name);
      CHECK(api_reason(with_member(field, form.json)) == reason);
      // The Segment routes copy url, path and the identifiers too.
      if (std::string_view{field} != "event") {
        const std::string body =
            R"({"anonymousId":"a",")" + std::string{field} + R"(":)" + form.json + "}";
        const auto expected =
            std::string_view{field} == "anonymousId" ? reject_reason::invalid_anonymous_id : reason;
        CHECK(segment(segment_call::page, body).reason == expected);
      }
    }
    for (const auto& form : string_forms) {
      INFO(field << " as " << form.name);
      CHECK(api_reason(with_member(field, form.json)) == reject_reason::none);
    }
    INFO(field << " as null");
    CHECK(api_reason(with_member(field, "null")) == reject_reason::none);
  }
}

TEST_CASE("properties and traits of any type but object are refused by name", "[unit][ingest]") {
  const std::pair<const char*, reject_reason> fields[] = {
      {"properties", reject_reason::invalid_properties}, {"traits", reject_reason::invalid_traits}};
  const wrong_form not_objects[] = {{"a number", "5"},           {"true", "true"},
                                    {"false", "false"},          {"an array", "[1]"},
                                    {"an empty array", "[]"},    {"a string", R"("{}")"},
                                    {"an empty string", R"("")"}};
  for (const auto& [field, reason] : fields) {
    for (const auto& form : not_objects) {
      INFO(field << " as " << form.name);
      CHECK(api_reason(with_member(field, form.json)) == reason);
      const std::string body =
          R"({"userId":"u",")" + std::string{field} + R"(":)" + form.json + "}";
      CHECK(segment(segment_call::identify, body).reason == reason);
    }
    for (const char* ok : {"{}", R"({"a":[1,{"b":null}]})", "null"}) {
      INFO(field << " as " << ok);
      CHECK(api_reason(with_member(field, ok)) == reject_reason::none);
    }
  }
}

TEST_CASE("a Segment call's own event member is not type-checked, it is replaced",
          "[unit][ingest]") {
  // The path names the event of page and identify; the member is dropped, never stored.
  const auto page = segment(segment_call::page, R"({"anonymousId":"a","event":5})");
  REQUIRE(page.reason == reject_reason::none);
  CHECK_FALSE(parsed_line{page.event.line}.has("event"));
  CHECK(segment(segment_call::track, R"({"anonymousId":"a","event":5})").reason ==
        reject_reason::missing_event);
}

TEST_CASE("every copy of a duplicated member is type-checked", "[unit][ingest]") {
  // The loader reads each copy, so a good last copy must not hide a bad first one.
  CHECK(api_reason(R"({"type":"page_view","url":5,"url":"/a"})") == reject_reason::invalid_url);
  CHECK(api_reason(R"({"type":"page_view","path":"/a","path":[]})") == reject_reason::invalid_path);
  CHECK(api_reason(R"({"type":"page_view","properties":1,"properties":{}})") ==
        reject_reason::invalid_properties);
  CHECK(api_reason(R"({"type":"identify","traits":{},"traits":"x"})") ==
        reject_reason::invalid_traits);
  CHECK(api_reason(R"({"type":"page_view","userId":5,"userId":"u"})") ==
        reject_reason::invalid_user_id);
  CHECK(api_reason(R"({"type":"page_view","sessionId":{},"sessionId":"s"})") ==
        reject_reason::invalid_session_id);
  CHECK(api_reason(R"({"type":"custom_event","event":true,"event":"buy"})") ==
        reject_reason::invalid_event);
  CHECK(segment(segment_call::page, R"({"anonymousId":1,"anonymousId":"a"})").reason ==
        reject_reason::invalid_anonymous_id);
  // Copies that are all of the right type are kept as they came (jsonb keeps the last).
  const auto o = api(R"({"type":"page_view","url":"/a","url":null,"url":"/b"})");
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.line.find(R"("url":"/a","url":null,"url":"/b")") != std::string::npos);
}

TEST_CASE("the first wrong member names the reason, and a later syntax error still wins",
          "[unit][ingest]") {
  CHECK(api_reason(R"({"type":"page_view","url":1,"path":2})") == reject_reason::invalid_url);
  CHECK(api_reason(R"({"type":"page_view","path":2,"url":1})") == reject_reason::invalid_path);
  CHECK(api_reason(R"({"type":"page_view","url":1,"a":tru})") == reject_reason::not_json);
  CHECK(api_reason(R"({"type":"page_view","url":1,"a":1e99999})") == reject_reason::invalid_url);
  // The wrong type is reported before the checks that read the captured members.
  CHECK(api_reason(R"({"url":1})") == reject_reason::invalid_url);
}

TEST_CASE("a number PostgreSQL's numeric cannot hold is refused wherever it is", "[unit][ingest]") {
  CHECK(api_reason(R"({"type":"page_view","properties":{"x":1e1001}})") ==
        reject_reason::unsupported_number);
  CHECK(api_reason(R"({"type":"page_view","properties":{"x":[-2.5E+1001]}})") ==
        reject_reason::unsupported_number);
  CHECK(api_reason(R"({"type":"page_view","a":1e-99999999999999999999})") ==
        reject_reason::unsupported_number);
  CHECK(api_reason(R"({"type":"page_view","traits":{"x":)" + std::string(15001, '1') + "}}") ==
        reject_reason::unsupported_number);
  CHECK(api_reason(R"({"type":"page_view","properties":{"x":1e1000,"y":-1E-1000}})") ==
        reject_reason::none);
  CHECK(api_reason(R"({"type":"page_view","traits":{"x":)" + std::string(15000, '1') + "}}") ==
        reject_reason::none);
  // A batch keeps going: one such event is refused, the next is taken, and the body must
  // still be well-formed.
  const event_enricher e{ingest_config{}};
  std::vector<batch_item> items;
  REQUIRE(e.enrich_batch(R"([{"type":"a","n":1e2000},{"type":"b","url":[]},{"type":"c"}])",
                         browser_request(), items) == reject_reason::none);
  REQUIRE(items.size() == 3);
  CHECK(items[0].reason == reject_reason::unsupported_number);
  CHECK(items[1].reason == reject_reason::invalid_url);
  CHECK(items[2].reason == reject_reason::none);
  CHECK(e.enrich_batch(R"([{"type":"a","n":1e2000,"m":01},{"type":"c"}])", browser_request(),
                       items) == reject_reason::not_json);
}

TEST_CASE("every reject reason has its own stable name", "[unit][ingest]") {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < reject_reason_count; ++i) {
    names.push_back(to_string(static_cast<reject_reason>(i)));
    CHECK_FALSE(names.back().empty());
  }
  CHECK(to_string(reject_reason::invalid_url) == "invalid_url");
  CHECK(to_string(reject_reason::unsupported_number) == "unsupported_number");
  CHECK(to_string(reject_reason::unsupported_encoding) == "unsupported_encoding");
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("optional identifiers and times may be null", "[unit][ingest]") {
  CHECK(
      api_reason(
          R"({"type":"page_view","sessionId":null,"userId":null,"anonymousId":null,"timestamp":null,"sentAt":null,"messageId":null})") ==
      reject_reason::none);
}

TEST_CASE("nesting deeper than the limit is refused", "[unit][ingest]") {
  ingest_config cfg;
  cfg.max_depth = 8;
  const auto nest = [](int levels) {
    std::string s = R"({"type":"page_view","p":)";
    for (int i = 0; i < levels; ++i) s += (i % 2 == 0) ? "[" : "{\"k\":";
    s += "1";
    for (int i = levels - 1; i >= 0; --i) s += (i % 2 == 0) ? "]" : "}";
    return s + "}";
  };
  // The event object is level 1, so 7 nested levels fit under a limit of 8.
  CHECK(api(nest(7), cfg).reason == reject_reason::none);
  CHECK(api(nest(8), cfg).reason == reject_reason::too_deep);
  CHECK(api(nest(5000)).reason == reject_reason::too_deep);
  std::string unclosed(100000, '[');
  CHECK(api(R"({"type":"page_view","p":)" + unclosed).reason != reject_reason::none);
}

TEST_CASE("the client address follows the privacy mode", "[unit][ingest]") {
  ingest_config cfg;
  cfg.client_ip = ip_mode::truncate;
  CHECK(parsed_line{api(page_view_body, cfg).event.line}.str("client_ip") == "203.0.113.0");
  cfg.client_ip = ip_mode::none;
  CHECK_FALSE(parsed_line{api(page_view_body, cfg).event.line}.has("client_ip"));
  auto req = browser_request();
  req.client_ip = "2001:db8:85a3:8d3:1319:8a2e:370:7348";
  cfg.client_ip = ip_mode::truncate;
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("client_ip") ==
        "2001:db8:85a3::");
}

TEST_CASE("the visitor hash is added when a key is configured and rotates daily",
          "[unit][ingest]") {
  ingest_config cfg;
  cfg.visitor_hash_key = "k";
  cfg.client_ip = ip_mode::none;
  auto req = browser_request();
  const auto first = parsed_line{api(page_view_body, cfg, req).event.line}.str("visitor_hash");
  CHECK(first.size() == 16);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  req.received += std::chrono::hours{1};
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("visitor_hash") == first);
  req.received += std::chrono::hours{24};
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("visitor_hash") != first);
  cfg.visitor_hash_key = "other";
  req = browser_request();
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("visitor_hash") != first);
}

TEST_CASE("crawler traffic is tagged _bot unless tagging is off", "[unit][ingest]") {
  auto req = browser_request();
  req.user_agent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  CHECK(api(page_view_body, {}, req).event.line.find(R"("_bot":true)") != std::string::npos);
  CHECK(parsed_line{api(page_view_body, {}, req).event.line}.at("/_bot").get_bool().value());
  ingest_config off;
  off.bot_tagging = false;
  CHECK_FALSE(parsed_line{api(page_view_body, off, req).event.line}.has("_bot"));
}

TEST_CASE("a request without user agent or address stores neither", "[unit][ingest]") {
  request_info req;
  req.received = received;
  const parsed_line p{api(page_view_body, {}, req).event.line};
  CHECK_FALSE(p.has("user_agent"));
  CHECK_FALSE(p.has("client_ip"));
  CHECK_FALSE(p.has("_bot"));
}

TEST_CASE("a user agent with quotes and control bytes is escaped", "[unit][ingest]") {
  auto req = browser_request();
  req.user_agent = "odd \"agent\"\x01\n";
  CHECK(parsed_line{api(page_view_body, {}, req).event.line}.str("user_agent") ==
        "odd \"agent\"\x01\n");
}

TEST_CASE("messageId becomes the event id: UUIDs as they are, other ids hashed stably",
          "[unit][ingest]") {
  const auto uuid_id =
      api(R"({"type":"page_view","messageId":"0190F5A2-7C1B-7D3E-9A4B-1C2D3E4F5A6B"})");
  REQUIRE(uuid_id.reason == reject_reason::none);
  CHECK(parsed_line{uuid_id.event.line}.str("event_id") == "0190f5a2-7c1b-7d3e-9a4b-1c2d3e4f5a6b");
  CHECK(parsed_line{uuid_id.event.line}.str("messageId") == "0190F5A2-7C1B-7D3E-9A4B-1C2D3E4F5A6B");

  const auto a = event_id_from_message_id("node-next-1732634351000-4f2a9c1e");
  const auto b = event_id_from_message_id("node-next-1732634351000-4f2a9c1e");
  const auto c = event_id_from_message_id("node-next-1732634351000-4f2a9c1f");
  REQUIRE(a);
  REQUIRE(c);
  CHECK(*a == *b);
  CHECK(*a != *c);
  CHECK(a->version() == 8);
  CHECK((a->bytes[8] & 0xc0) == 0x80);
  CHECK(event_id_from_message_id(std::string(128, 'x')).has_value());
  CHECK_FALSE(event_id_from_message_id(std::string(129, 'x')).has_value());
  CHECK_FALSE(event_id_from_message_id("").has_value());
  CHECK_FALSE(event_id_from_message_id("a/b").has_value());

  const auto retried1 = api(R"({"type":"page_view","messageId":"ajs-1-abc"})");
  const auto retried2 = api(R"({"type":"page_view","messageId":"ajs-1-abc"})");
  CHECK(retried1.event.event_id == retried2.event.event_id);
  CHECK(api(page_view_body).event.event_id != api(page_view_body).event.event_id);
}

TEST_CASE("sentAt corrects the client's clock and keeps the original timestamp", "[unit][ingest]") {
  // The client's clock is 10 s behind: it stamped the event 2 s before sending it.
  const auto o = api(
      R"({"type":"page_view","timestamp":"2026-11-26T15:18:59.123456Z","sentAt":"2026-11-26T15:19:01.123456Z"})");
  REQUIRE(o.reason == reject_reason::none);
  const parsed_line p{o.event.line};
  CHECK(p.str("timestamp") == "2026-11-26T15:19:09.123456Z");
  CHECK(p.str("original_timestamp") == "2026-11-26T15:18:59.123456Z");
  CHECK(p.str("sentAt") == "2026-11-26T15:19:01.123456Z");

  // A correct clock changes nothing.
  const auto same = api(
      R"({"type":"page_view","timestamp":"2026-11-26T15:19:10.123456Z","sentAt":"2026-11-26T15:19:11.123456Z"})");
  const parsed_line q{same.event.line};
  CHECK(q.str("timestamp") == "2026-11-26T15:19:10.123456Z");
  CHECK_FALSE(q.has("original_timestamp"));
}

TEST_CASE("a Segment track becomes a custom event named after the track", "[unit][ingest]") {
  const auto o = segment(
      segment_call::track,
      R"({"userId":"u-1","event":"purchase","properties":{"transaction_id":"T1","value":99.5},"context":{"library":{"name":"analytics-node"}},"messageId":"node-next-1-abc","timestamp":"2026-11-26T15:19:10.000Z"})");
  REQUIRE(o.reason == reject_reason::none);
  CHECK(o.event.queue == queue_id::ecommerce_events);
  const parsed_line p{o.event.line};
  CHECK(p.str("type") == "custom_event");
  CHECK(p.str("event") == "purchase");
  CHECK(p.str("userId") == "u-1");
  CHECK(p.str("messageId") == "node-next-1-abc");
  CHECK(p.str("event_id") == event_id_from_message_id("node-next-1-abc")->to_string());
  CHECK(std::string{p.at("/properties/transaction_id").get_string().value()} == "T1");
  CHECK(std::string{p.at("/context/library/name").get_string().value()} == "analytics-node");
  CHECK(p.str("_source") == "segment");
  CHECK(p.str("_queue") == "ecommerce_events");
}

TEST_CASE("Segment page, screen, identify, group and alias map to our types", "[unit][ingest]") {
  const auto page =
      segment(segment_call::page,
              R"({"anonymousId":"a","name":"Home","properties":{"url":"https://shop.example/"}})");
  REQUIRE(page.reason == reject_reason::none);
  CHECK(page.event.queue == queue_id::page_views);
  CHECK(parsed_line{page.event.line}.str("type") == "page_view");
  CHECK(parsed_line{page.event.line}.str("name") == "Home");

  const auto screen = segment(segment_call::screen, R"({"anonymousId":"a","name":"Cart"})");
  CHECK(screen.event.queue == queue_id::page_views);

  const auto ident =
      segment(segment_call::identify, R"({"userId":"u","traits":{"email":"a@example.com"}})");
  REQUIRE(ident.reason == reject_reason::none);
  CHECK(ident.event.queue == queue_id::user_events);
  CHECK(parsed_line{ident.event.line}.str("type") == "identify");

  const auto group =
      segment(segment_call::group, R"({"userId":"u","groupId":"g","event":"ignored"})");
  REQUIRE(group.reason == reject_reason::none);
  CHECK(group.event.queue == queue_id::event_queue);
  const parsed_line g{group.event.line};
  CHECK(g.str("type") == "custom_event");
  CHECK(g.str("event") == "group");
  CHECK(g.str("groupId") == "g");
  const auto keys = g.keys();
  CHECK(std::count(keys.begin(), keys.end(), "event") == 1);

  const auto alias = segment(segment_call::alias, R"({"userId":"u","previousId":"a"})");
  REQUIRE(alias.reason == reject_reason::none);
  CHECK(parsed_line{alias.event.line}.str("event") == "alias");

  // The path decides the call, not the body's type.
  const auto t = segment(segment_call::track, R"({"type":"page","userId":"u","event":"logout"})");
  REQUIRE(t.reason == reject_reason::none);
  CHECK(t.event.queue == queue_id::user_events);
}

TEST_CASE("Segment rules: an identity is required and track needs an event", "[unit][ingest]") {
  CHECK(segment(segment_call::page, R"({"name":"Home"})").reason ==
        reject_reason::missing_identity);
  CHECK(segment(segment_call::page, R"({"userId":"","anonymousId":""})").reason ==
        reject_reason::missing_identity);
  CHECK(segment(segment_call::page, R"({"userId":5})").reason == reject_reason::invalid_user_id);
  CHECK(segment(segment_call::track, R"({"userId":"u"})").reason == reject_reason::missing_event);
  CHECK(segment(segment_call::track, R"({"userId":"u","event":""})").reason ==
        reject_reason::missing_event);
}

TEST_CASE("a Segment batch maps each message and applies the envelope's sentAt", "[unit][ingest]") {
  const event_enricher e{ingest_config{}};
  std::vector<batch_item> items;
  const auto reason = e.enrich_segment_batch(
      R"({"batch":[
        {"type":"track","userId":"u","event":"add_to_cart","timestamp":"2026-11-26T15:18:59.000Z"},
        {"type":"page","anonymousId":"a","timestamp":"2026-11-26T15:18:59.000Z","sentAt":"2026-11-26T15:19:00.000Z"},
        {"type":"identify","userId":"u","traits":{"name":"N"}},
        {"type":"unknown","userId":"u"},
        {"userId":"u"},
        "not an object",
        {"type":"track","event":"x"}
      ],"sentAt":"2026-11-26T15:19:01.000Z","context":{"ip":"1.2.3.4"}})",
      browser_request(), items);
  REQUIRE(reason == reject_reason::none);
  REQUIRE(items.size() == 7);
  CHECK(items[0].reason == reject_reason::none);
  CHECK(items[0].event.queue == queue_id::ecommerce_events);
  const parsed_line first{items[0].event.line};
  // Corrected by the envelope's sentAt: received - (sentAt - timestamp) = received - 2 s.
  CHECK(first.str("timestamp") == "2026-11-26T15:19:09.123456Z");
  CHECK(first.str("original_timestamp") == "2026-11-26T15:18:59.000Z");
  CHECK_FALSE(first.has("sentAt"));
  CHECK(items[1].reason == reject_reason::none);
  CHECK(items[1].event.queue == queue_id::page_views);
  // The message's own sentAt wins over the envelope's.
  CHECK(parsed_line{items[1].event.line}.str("timestamp") == "2026-11-26T15:19:10.123456Z");
  CHECK(items[2].reason == reject_reason::none);
  CHECK(items[2].event.queue == queue_id::user_events);
  CHECK(items[3].reason == reject_reason::unknown_type);
  CHECK(items[4].reason == reject_reason::missing_type);
  CHECK(items[5].reason == reject_reason::not_object);
  CHECK(items[6].reason == reject_reason::missing_identity);
}

TEST_CASE("a Segment batch envelope must hold an array and valid JSON", "[unit][ingest]") {
  const event_enricher e{ingest_config{}};
  std::vector<batch_item> items;
  const auto req = browser_request();
  CHECK(e.enrich_segment_batch(R"({"sentAt":"2026-11-26T15:19:01Z"})", req, items) ==
        reject_reason::not_array);
  CHECK(e.enrich_segment_batch(R"({"batch":{}})", req, items) == reject_reason::not_array);
  CHECK(e.enrich_segment_batch(R"([])", req, items) == reject_reason::not_object);
  CHECK(e.enrich_segment_batch(R"({"batch":[],"x":nul})", req, items) == reject_reason::not_json);
  CHECK(e.enrich_segment_batch(R"({"batch":[{"type":"track","userId":"u","event":"e","p":[1,}]})",
                               req, items) == reject_reason::not_json);
  CHECK(e.enrich_segment_batch(R"({"batch":[],"sentAt":"later"})", req, items) ==
        reject_reason::invalid_sent_at);
  CHECK(e.enrich_segment_batch(R"({"batch":[]})", req, items) == reject_reason::none);
  CHECK(items.empty());
}

TEST_CASE("the write key is taken from Basic auth or the body and never stored", "[unit][ingest]") {
  ingest_config cfg;
  cfg.write_key = "wk_123";
  const event_enricher e{cfg};
  auto req = browser_request();
  enriched_event ev;
  const char* body = R"({"userId":"u","event":"e"})";
  CHECK(e.enrich_segment(segment_call::track, body, req, ev) == reject_reason::unauthorized);

  req.authorization = "Basic d2tfMTIzOg==";  // "wk_123:"
  CHECK(e.enrich_segment(segment_call::track, body, req, ev) == reject_reason::none);
  req.authorization = "basic d2tfMTIzOg";  // unpadded, lower-case scheme
  CHECK(e.enrich_segment(segment_call::track, body, req, ev) == reject_reason::none);
  req.authorization = "Basic d3Jvbmc6";  // "wrong:"
  CHECK(e.enrich_segment(segment_call::track, body, req, ev) == reject_reason::unauthorized);
  req.authorization = "Bearer wk_123";
  CHECK(e.enrich_segment(segment_call::track, body, req, ev) == reject_reason::unauthorized);

  req.authorization = {};
  REQUIRE(e.enrich_segment(segment_call::track, R"({"userId":"u","event":"e","writeKey":"wk_123"})",
                           req, ev) == reject_reason::none);
  CHECK(ev.line.find("wk_123") == std::string::npos);
  CHECK(e.enrich_segment(segment_call::track, R"({"userId":"u","event":"e","writeKey":"nope"})",
                         req, ev) == reject_reason::unauthorized);

  std::vector<batch_item> items;
  CHECK(e.enrich_segment_batch(R"({"batch":[{"type":"track","userId":"u","event":"e"}]})", req,
                               items) == reject_reason::unauthorized);
  REQUIRE(e.enrich_segment_batch(
              R"({"batch":[{"type":"track","userId":"u","event":"e"}],"writeKey":"wk_123"})", req,
              items) == reject_reason::none);
  REQUIRE(items.size() == 1);
  CHECK(items[0].reason == reject_reason::none);

  CHECK(e.authorized("", "wk_123"));
  CHECK_FALSE(e.authorized("", "wk_12"));
  CHECK(event_enricher{ingest_config{}}.authorized("", ""));
}

TEST_CASE("an API batch refuses bad events one by one", "[unit][ingest]") {
  const event_enricher e{ingest_config{}};
  std::vector<batch_item> items;
  REQUIRE(
      e.enrich_batch(
          R"([{"type":"page_view","path":"/"},{"type":"custom_event"},42,{"type":"custom_event","event":"purchase"}])",
          browser_request(), items) == reject_reason::none);
  REQUIRE(items.size() == 4);
  CHECK(items[0].reason == reject_reason::none);
  CHECK(items[0].event.queue == queue_id::page_views);
  CHECK(items[1].reason == reject_reason::missing_event);
  CHECK(items[2].reason == reject_reason::not_object);
  CHECK(items[3].reason == reject_reason::none);
  CHECK(items[3].event.queue == queue_id::ecommerce_events);
  for (const auto& item : items) {
    if (item.reason == reject_reason::none) parsed_line{item.event.line};
  }
}

TEST_CASE("an API batch body must be a well-formed array within the event limit",
          "[unit][ingest]") {
  ingest_config cfg;
  cfg.max_batch_events = 2;
  const event_enricher e{cfg};
  std::vector<batch_item> items;
  const auto req = browser_request();
  CHECK(e.enrich_batch(R"({"type":"page_view"})", req, items) == reject_reason::not_array);
  CHECK(e.enrich_batch("nope", req, items) == reject_reason::not_json);
  CHECK(e.enrich_batch(R"([{"type":"page_view"},{"type":"page_view","x":[}])", req, items) ==
        reject_reason::not_json);
  CHECK(e.enrich_batch(R"([{"type":"page_view"}] x)", req, items) == reject_reason::not_json);
  CHECK(e.enrich_batch(R"([{"type":"page_view"})", req, items) == reject_reason::not_json);
  CHECK(e.enrich_batch(R"([{"type":"page_view","p":{}})", req, items) == reject_reason::not_json);
  CHECK(e.enrich_batch(R"([{"type":"page_view"},{"type":"page_view","a":"\u0000"}])", req, items) ==
        reject_reason::nul_character);
  CHECK(e.enrich_batch(R"([{},{},{}])", req, items) == reject_reason::too_many_events);
  CHECK(e.enrich_batch(R"([{},{}])", req, items) == reject_reason::none);
  CHECK(e.enrich_batch("[]", req, items) == reject_reason::none);
  CHECK(items.empty());
}

TEST_CASE("reasons have stable names and statuses", "[unit][ingest]") {
  CHECK(to_string(reject_reason::not_json) == "not_json");
  CHECK(to_string(reject_reason::invalid_utf8) == "invalid_utf8");
  CHECK(to_string(reject_reason::missing_identity) == "missing_identity");
  CHECK(to_string(reject_reason::unauthorized) == "unauthorized");
  CHECK(http_status(reject_reason::unauthorized) == 401);
  CHECK(http_status(reject_reason::missing_type) == 400);
  CHECK(to_string(event_source::server) == "server");
  CHECK(parse_segment_call("screen") == segment_call::screen);
  CHECK_FALSE(parse_segment_call("Track").has_value());
}

TEST_CASE("server-made events go through the same rules", "[unit][ingest]") {
  const event_enricher e{ingest_config{}};
  enriched_event ev;
  request_info req;
  req.received = received;
  REQUIRE(
      e.enrich_one(
          event_source::server,
          R"({"type":"custom_event","event":"order_completed","properties":{"order_id":"O-1","total":1299.99}})",
          req, ev) == reject_reason::none);
  CHECK(ev.queue == queue_id::ecommerce_events);
  CHECK(parsed_line{ev.line}.str("_source") == "server");
}

TEST_CASE("a long user agent is stored cut to the cap after UTF-8 repair", "[unit][ingest]") {
  ingest_config cfg;
  REQUIRE(cfg.max_user_agent_bytes == 1024);
  auto req = browser_request();

  // Invalid bytes become \ufffd escapes (6 bytes each): the cap applies to what is stored.
  const std::string invalid(8 * 1024, '\xff');
  req.user_agent = invalid;
  const auto o = api(page_view_body, cfg, req);
  REQUIRE(o.reason == reject_reason::none);
  const std::size_t at = o.event.line.find("\"user_agent\":\"");
  REQUIRE(at != std::string::npos);
  const std::size_t end = o.event.line.find('"', at + 14);
  CHECK(end - (at + 14) <= cfg.max_user_agent_bytes);
  CHECK(end - (at + 14) == 1020);  // 170 whole escapes, none cut in half
  const parsed_line p{o.event.line};
  CHECK(p.str("user_agent") == [] {
    std::string s;
    for (int i = 0; i < 170; ++i) s += "\xef\xbf\xbd";
    return s;
  }());

  // Multi-byte characters are never split.
  std::string euros;
  for (int i = 0; i < 500; ++i) euros += "\xe2\x82\xac";
  req.user_agent = euros;
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("user_agent") ==
        euros.substr(0, 1023));

  // Escaped control characters are kept whole or dropped whole.
  const std::string control = std::string(1023, 'a') + "\x01xyz";
  req.user_agent = control;
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("user_agent") ==
        std::string(1023, 'a'));

  const std::string plain = std::string(1024, 'a') + "tail";
  req.user_agent = plain;
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("user_agent") ==
        std::string(1024, 'a'));
  req.user_agent = "short";
  CHECK(parsed_line{api(page_view_body, cfg, req).event.line}.str("user_agent") == "short");
}

TEST_CASE("the bot mark sees the whole user agent, not only the stored part", "[unit][ingest]") {
  auto req = browser_request();
  const std::string agent = std::string(2000, 'x') + " Googlebot/2.1";
  req.user_agent = agent;
  const parsed_line p{api(page_view_body, {}, req).event.line};
  CHECK(p.has("_bot"));
}

namespace {

std::string tiny_batch(std::size_t n) {
  std::string body = "[";
  for (std::size_t i = 0; i < n; ++i) body += i == 0 ? R"({"type":"a"})" : R"(,{"type":"a"})";
  return body + "]";
}

std::size_t enriched_bytes(const std::vector<batch_item>& items) {
  std::size_t n = 0;
  for (const auto& item : items) n += item.event.line.size();
  return n;
}

}  // namespace

TEST_CASE("a batch whose enriched lines outgrow its body by the ratio is refused whole",
          "[unit][ingest]") {
  // The review's attack: 2,500 tiny events under an 8 KB user agent of 0xFF bytes used to
  // become ~120 MB of lines from a 32 KB body.
  const ingest_config cfg;
  const event_enricher e{cfg};
  auto req = browser_request();
  const std::string agent(8 * 1024, '\xff');
  req.user_agent = agent;
  const std::string body = tiny_batch(2500);
  REQUIRE(body.size() < 33 * 1024);
  std::vector<batch_item> items;
  CHECK(e.enrich_batch(body, req, items) == reject_reason::enriched_too_large);
  CHECK(http_status(reject_reason::enriched_too_large) == 413);
  CHECK(to_string(reject_reason::enriched_too_large) == "enriched_too_large");
  // Refused as soon as the budget is spent, not after building every line.
  CHECK(enriched_bytes(items) <=
        cfg.max_enrichment_ratio * body.size() + cfg.enrichment_allowance + 4096);

  std::string segment_body = R"({"batch":[)";
  for (int i = 0; i < 2500; ++i) {
    segment_body += i == 0 ? "" : ",";
    segment_body += R"({"type":"page","userId":"u"})";
  }
  segment_body += "]}";
  CHECK(e.enrich_segment_batch(segment_body, req, items) == reject_reason::enriched_too_large);
}

TEST_CASE("honest batches, even of small events, stay within the enrichment budget",
          "[unit][ingest]") {
  const ingest_config cfg;
  const event_enricher e{cfg};
  std::vector<batch_item> items;
  // A plausible smallest real event: a page view with a session id, under a browser agent.
  std::string body = "[";
  for (int i = 0; i < 2500; ++i) {
    body += i == 0 ? "" : ",";
    body += R"({"type":"page_view","sessionId":"k3J9x_2pQmZr8vLw4NtYbA"})";
  }
  body += "]";
  REQUIRE(e.enrich_batch(body, browser_request(), items) == reject_reason::none);
  CHECK(items.size() == 2500);
  CHECK(enriched_bytes(items) <= cfg.max_enrichment_ratio * body.size() + cfg.enrichment_allowance);

  // A single tiny event is always within the allowance.
  auto req = browser_request();
  const std::string agent(8 * 1024, '\xff');
  req.user_agent = agent;
  CHECK(api(R"({"type":"a"})", cfg, req).reason == reject_reason::none);
}

TEST_CASE("an event whose properties or traits carry _synthetic true is marked synthetic",
          "[unit][ingest]") {
  const auto synthetic = [](std::string_view body) {
    const auto o = api(body);
    INFO(body);
    REQUIRE(o.reason == reject_reason::none);
    return o.event.synthetic;
  };
  CHECK(synthetic(R"({"type":"page_view","properties":{"_synthetic":true}})"));
  CHECK(synthetic(R"({"type":"identify","traits":{"name":"A","_synthetic": true }})"));
  CHECK(
      synthetic(R"({"type":"custom_event","event":"x","properties":{"a":[1],"_synthetic":true}})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view"})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view","properties":{"_synthetic":false}})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view","properties":{"_synthetic":"true"}})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view","properties":{"a":{"_synthetic":true}}})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view","_synthetic":true})"));
  CHECK_FALSE(synthetic(R"({"type":"page_view","context":{"_synthetic":true}})"));

  // Each element of a batch on its own; the flag does not leak into the next event.
  const event_enricher e{ingest_config{}};
  std::vector<batch_item> items;
  REQUIRE(e.enrich_batch(
              R"([{"type":"a","properties":{"_synthetic":true}},{"type":"b","properties":{}}])",
              browser_request(), items) == reject_reason::none);
  REQUIRE(items.size() == 2);
  CHECK(items[0].event.synthetic);
  CHECK_FALSE(items[1].event.synthetic);
  const auto page =
      segment(segment_call::page, R"({"anonymousId":"a","properties":{"_synthetic":true}})");
  REQUIRE(page.reason == reject_reason::none);
  CHECK(page.event.synthetic);
}
