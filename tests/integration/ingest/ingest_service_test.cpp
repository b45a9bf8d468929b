#include <gadgetgrove/ingest/ingest_service.hpp>

#include "eventually.hpp"
#include "ingest_fixture.hpp"

#include <simdjson.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using gg::test::http_client;
using gg::test::http_reply;
using gg::test::ingest_fixture;

/// A parsed JSON document that outlives the call that produced it.
class json_doc {
 public:
  explicit json_doc(const std::string& text) : text_(text) {
    INFO(text);
    REQUIRE(parser_.parse(text_).get(root_) == simdjson::SUCCESS);
  }
  std::string str(const char* pointer) const {
    std::string_view v;
    INFO(pointer);
    REQUIRE(root_.at_pointer(pointer).get(v) == simdjson::SUCCESS);
    return std::string{v};
  }
  std::uint64_t uint(const char* pointer) const {
    std::uint64_t v = 0;
    INFO(pointer);
    REQUIRE(root_.at_pointer(pointer).get(v) == simdjson::SUCCESS);
    return v;
  }
  std::size_t size(const char* pointer) const {
    simdjson::dom::array a;
    INFO(pointer);
    REQUIRE(root_.at_pointer(pointer).get(a) == simdjson::SUCCESS);
    return a.size();
  }
  bool is_null(const char* pointer) const {
    simdjson::dom::element e;
    INFO(pointer);
    REQUIRE(root_.at_pointer(pointer).get(e) == simdjson::SUCCESS);
    return e.is_null();
  }
  bool has(const char* pointer) const {
    simdjson::dom::element e;
    return root_.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }

 private:
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

const char* page_view =
    R"({"type":"page_view","url":"https://shop.example/category/laptops","path":"/category/laptops","title":"Laptops","referrer":"","timestamp":"2026-11-26T15:19:10.512Z","sessionId":"s-1","userId":"u-1"})";

gg::test::http_fields browser_fields() {
  return {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"}};
}

}  // namespace

TEST_CASE("an accepted event is in a synced segment line before its answer arrives",
          "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const http_reply r = c.post("/api/analytics", page_view, "application/json", browser_fields());
  REQUIRE(r.status == 200);
  const json_doc answer{r.body};
  CHECK(answer.str("/status") == "success");
  CHECK(answer.str("/queue") == "page_views");
  const std::string id = answer.str("/event_id");
  CHECK(gg::parse_uuid(id).has_value());

  // A power loss right now keeps only synced bytes; the event must be among them.
  f.fs().crash();
  f.fs().reboot();
  const auto object = f.object_with_id("page_views", id);
  REQUIRE(object);
  const json_doc line{*object};
  CHECK(line.str("/url") == "https://shop.example/category/laptops");
  CHECK(line.str("/sessionId") == "s-1");
  CHECK(line.str("/client_ip") == "127.0.0.1");
  CHECK(line.str("/user_agent") == "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0");
  CHECK(line.str("/_source") == "api");
  CHECK(line.str("/_queue") == "page_views");
  CHECK(f.counter("gadgetgrove_ingest_events_accepted_total", {{"queue", "page_views"}}) == 1);
}

TEST_CASE("events land in real segment files on disk", "[integration][ingest]") {
  ingest_fixture::options o;
  o.real_files = true;
  ingest_fixture f{o};
  auto c = f.client();
  const http_reply r = c.post(
      "/api/analytics",
      R"({"type":"custom_event","event":"add_to_cart","properties":{"product_id":"SM-1","price":1299.99},"sessionId":"s-2"})");
  REQUIRE(r.status == 200);
  const json_doc answer{r.body};
  CHECK(answer.str("/queue") == "ecommerce_events");
  const auto object = f.object_with_id("ecommerce_events", answer.str("/event_id"));
  REQUIRE(object);
  CHECK(json_doc{*object}.str("/event") == "add_to_cart");
}

TEST_CASE("an invalid event is answered 400 with its reason and counted", "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const http_reply bad = c.post("/api/analytics", "{not json");
  CHECK(bad.status == 400);
  CHECK(json_doc{bad.body}.str("/error") == "not_json");
  const http_reply no_event = c.post("/api/analytics", R"({"type":"custom_event"})");
  CHECK(no_event.status == 400);
  CHECK(json_doc{no_event.body}.str("/error") == "missing_event");
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "not_json"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "missing_event"}}) == 1);
  CHECK(f.objects("event_queue").empty());
}

TEST_CASE("a body over the route's limit is answered 413", "[integration][ingest]") {
  ingest_fixture::options o;
  o.ingest.single_body_limit = 1024;
  ingest_fixture f{o};
  auto c = f.client();
  const std::string big = R"({"type":"page_view","pad":")" + std::string(2000, 'x') + "\"}";
  CHECK(c.post("/api/analytics", big).status == 413);
}

TEST_CASE("a batch refuses bad events one by one and appends the rest", "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const http_reply r = c.post(
      "/api/analytics/batch",
      R"([{"type":"page_view","path":"/"},{"type":"custom_event"},{"type":"custom_event","event":"purchase","properties":{"transaction_id":"T-9","value":10}},7])");
  REQUIRE(r.status == 200);
  const json_doc answer{r.body};
  CHECK(answer.str("/status") == "success");
  REQUIRE(answer.size("/results") == 4);
  CHECK(answer.str("/results/0/status") == "success");
  CHECK(answer.str("/results/0/queue") == "page_views");
  CHECK(answer.str("/results/1/status") == "error");
  CHECK(answer.str("/results/1/error") == "missing_event");
  CHECK(answer.str("/results/2/queue") == "ecommerce_events");
  CHECK(answer.str("/results/3/error") == "not_object");
  CHECK(f.object_with_id("page_views", answer.str("/results/0/event_id")));
  CHECK(f.object_with_id("ecommerce_events", answer.str("/results/2/event_id")));

  const http_reply none_valid = c.post("/api/analytics/batch", R"([{"type":""}])");
  CHECK(none_valid.status == 400);
  CHECK(json_doc{none_valid.body}.str("/results/0/error") == "missing_type");
  CHECK(c.post("/api/analytics/batch", R"({"type":"page_view"})").status == 400);
  const http_reply empty = c.post("/api/analytics/batch", "[]");
  CHECK(empty.status == 200);
  CHECK(json_doc{empty.body}.size("/results") == 0);
}

TEST_CASE("an event the loader could not map is answered 400 with its reason on every route",
          "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const http_reply url = c.post("/api/analytics", R"({"type":"page_view","url":5})");
  CHECK(url.status == 400);
  CHECK(json_doc{url.body}.str("/error") == "invalid_url");
  const http_reply traits =
      c.post("/v1/identify", R"({"userId":"u","traits":{"a":1},"traits":["b"]})");
  CHECK(traits.status == 400);
  CHECK(json_doc{traits.body}.str("/error") == "invalid_traits");

  // A batch keeps its contract: the element is refused, the others are stored.
  const http_reply batch = c.post(
      "/api/analytics/batch",
      R"([{"type":"page_view","path":"/"},{"type":"page_view","properties":"x"},{"type":"a","n":1e1001}])");
  REQUIRE(batch.status == 200);
  const json_doc answer{batch.body};
  CHECK(answer.str("/results/0/status") == "success");
  CHECK(answer.str("/results/1/error") == "invalid_properties");
  CHECK(answer.str("/results/2/error") == "unsupported_number");
  CHECK(f.objects("page_views").size() == 1);
  const http_reply none_valid = c.post("/api/analytics/batch", R"([{"type":"a","path":[]}])");
  CHECK(none_valid.status == 400);
  CHECK(json_doc{none_valid.body}.str("/results/0/error") == "invalid_path");

  const http_reply segment_batch = c.post(
      "/v1/batch",
      R"({"batch":[{"type":"page","anonymousId":"a","url":{}},{"type":"track","userId":"u","event":"e"}]})");
  CHECK(segment_batch.status == 200);
  CHECK(f.objects("event_queue").size() == 1);
  const http_reply segment_none =
      c.post("/v1/batch", R"({"batch":[{"type":"page","anonymousId":"a","path":1}]})");
  CHECK(segment_none.status == 400);
  CHECK(json_doc{segment_none.body}.str("/error") == "invalid_path");

  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "invalid_url"}}) == 2);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "invalid_traits"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "invalid_properties"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "invalid_path"}}) == 2);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "unsupported_number"}}) == 1);
}

TEST_CASE("accepted synthetic events are counted by source", "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  REQUIRE(c.post("/api/analytics/batch",
                 R"([{"type":"page_view","properties":{"_synthetic":true}},{"type":"page_view"},)"
                 R"({"type":"page_view","properties":{"_synthetic":true},"url":1}])")
              .status == 200);
  REQUIRE(c.post("/v1/track", R"({"userId":"u","event":"e","properties":{"_synthetic":true}})")
              .status == 200);
  CHECK(f.counter("gadgetgrove_ingest_synthetic_events_total", {{"source", "api"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_synthetic_events_total", {{"source", "segment"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_synthetic_events_total", {{"source", "server"}}) == 0);
  std::promise<gg::result<gg::uuid>> done;
  gg::ingest::server_event ev;
  ev.event = "order_completed";
  ev.properties_json = R"({"order_id":"O-2","_synthetic":true})";
  f.service().submit_server_event(ev, [&](gg::result<gg::uuid> r) { done.set_value(r); });
  auto fut = done.get_future();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  REQUIRE(fut.get().has_value());
  CHECK(f.counter("gadgetgrove_ingest_synthetic_events_total", {{"source", "server"}}) == 1);
  CHECK(f.counter("gadgetgrove_ingest_events_accepted_total", {{"queue", "page_views"}}) == 2);
}

TEST_CASE("a full queue is answered 503 with Retry-After", "[integration][ingest]") {
  // Declared before the fixture: completions and the observer may still run while it shuts
  // down.
  std::atomic<bool> full{false};
  std::promise<void> syncing;
  std::atomic<bool> signalled{false};
  ingest_fixture::options o;
  o.log_tweak = [](gg::eventlog::event_log_config& c) { c.queue_capacity = 16; };
  ingest_fixture f{o};
  // Hold the writer in a slow fsync, then fill the queue behind it with server events.
  f.fs().set_observer([&](std::string_view op, const std::string&) {
    if (op == "fdatasync:begin" && !signalled.exchange(true)) syncing.set_value();
  });
  f.fs().set_sync_delay(1500ms);
  gg::ingest::server_event first;
  first.event = "first";
  f.service().submit_server_event(first, [](gg::result<gg::uuid>) {});
  REQUIRE(syncing.get_future().wait_for(5s) == std::future_status::ready);
  for (int i = 0; i < 1000 && !full; ++i) {
    gg::ingest::server_event ev;
    ev.event = "filler";
    f.service().submit_server_event(ev, [&full](gg::result<gg::uuid> r) {
      if (!r && r.error().message == "queue_full") full = true;
    });
  }
  REQUIRE(full);
  auto c = f.client();
  const http_reply r = c.post("/api/analytics", page_view);
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(json_doc{r.body}.str("/error") == "queue_full");
  CHECK(f.counter("gadgetgrove_ingest_unavailable_total", {{"reason", "queue_full"}}) >= 2);
  f.fs().set_sync_delay(0ms);
  f.fs().set_observer(nullptr);
  // Once the writer catches up, events are taken again.
  unsigned status = 0;
  CHECK(gg::test::eventually(
      [&] {
        status = c.post("/api/analytics", page_view).status;
        return status == 200;
      },
      20s, 50ms, "ingest to accept events again"));
  CHECK(status == 200);
}

TEST_CASE("a full disk is answered 503 and nothing is acknowledged", "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  f.fs().fail_next_writes(ENOSPC, 1000);
  const http_reply r = c.post("/api/analytics", page_view);
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After").has_value());
  CHECK(json_doc{r.body}.str("/error") == "disk_full");
  // The log is now degraded: new events are refused up front.
  const http_reply again = c.post("/api/analytics", page_view);
  CHECK(again.status == 503);
  CHECK(json_doc{again.body}.str("/error") == "disk_full");
  CHECK(f.counter("gadgetgrove_ingest_events_accepted_total", {{"queue", "page_views"}}) == 0);
  f.fs().fail_next_writes(0, 0);
}

TEST_CASE("CORS: preflight from an allowed origin, headers on answers, others refused",
          "[integration][ingest]") {
  ingest_fixture::options o;
  o.ingest.cors_origins = {"https://shop.example"};
  ingest_fixture f{o};
  auto c = f.client();
  const http_reply pre = c.request("OPTIONS", "/api/analytics", {},
                                   {{"Origin", "https://shop.example"},
                                    {"Access-Control-Request-Method", "POST"},
                                    {"Access-Control-Request-Headers", "content-type"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == "https://shop.example");
  CHECK(pre.header("Access-Control-Allow-Methods") == "POST, OPTIONS");
  CHECK(pre.header("Access-Control-Allow-Headers").value_or("").find("Content-Type") !=
        std::string::npos);
  CHECK(pre.header("Access-Control-Max-Age") == "600");
  CHECK(pre.header("Vary") == "Origin");

  const http_reply post =
      c.post("/api/analytics", page_view, "text/plain", {{"Origin", "https://shop.example"}});
  CHECK(post.status == 200);
  CHECK(post.header("Access-Control-Allow-Origin") == "https://shop.example");
  CHECK(post.header("Vary") == "Origin");

  const http_reply foreign =
      c.request("OPTIONS", "/v1/batch", {},
                {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(foreign.status == 403);
  CHECK_FALSE(foreign.header("Access-Control-Allow-Origin").has_value());
  const http_reply bad =
      c.post("/api/analytics", "nope", "text/plain", {{"Origin", "https://shop.example"}});
  CHECK(bad.status == 400);
  CHECK(bad.header("Access-Control-Allow-Origin") == "https://shop.example");
}

TEST_CASE("the stats route reports per-queue figures from the event log", "[integration][ingest]") {
  ingest_fixture::options o;
  o.log_tweak = [](gg::eventlog::event_log_config& c) { c.queue_capacity = 1024; };
  ingest_fixture f(o);
  auto c = f.client();
  REQUIRE(c.post("/api/analytics", page_view).status == 200);
  REQUIRE(c.post("/api/analytics", page_view).status == 200);
  REQUIRE(c.post("/api/analytics", R"({"type":"identify","userId":"u"})").status == 200);
  const http_reply r = c.get("/api/analytics/stats");
  REQUIRE(r.status == 200);
  const json_doc s{r.body};
  CHECK(s.str("/status") == "success");
  CHECK(s.str("/health") == "up");
  CHECK(s.uint("/queues/page_views/events_accepted") == 2);
  CHECK(s.uint("/queues/user_events/events_accepted") == 1);
  CHECK(s.uint("/queues/ecommerce_events/events_accepted") == 0);
  CHECK(s.uint("/queues/page_views/bytes_written") > 0);
  CHECK(s.str("/queues/page_views/active_segment").find(".jsonl.open") != std::string::npos);
  CHECK(s.uint("/queues/page_views/sealed_segments_waiting") == 0);
  CHECK(s.is_null("/queues/page_views/oldest_sealed_age_seconds"));
  CHECK(s.is_null("/queues/ecommerce_events/active_segment"));
  // Every event was acknowledged, so none waits; the stats request itself is not counted.
  CHECK(s.uint("/queue_depth") == 0);
  CHECK(s.uint("/queue_capacity") == 1024);
  CHECK(s.uint("/requests_in_flight") == 0);
}

TEST_CASE("the stats route writes a sealed segment's age as a plain decimal",
          "[integration][ingest]") {
  ingest_fixture::options o;
  // Every batch after the first seals the segment before it, so one is left waiting.
  o.log_tweak = [](gg::eventlog::event_log_config& c) { c.rotate_bytes = 1; };
  ingest_fixture f(o);
  auto c = f.client();
  REQUIRE(c.post("/api/analytics", page_view).status == 200);
  REQUIRE(c.post("/api/analytics", page_view).status == 200);
  const http_reply r = c.get("/api/analytics/stats");
  REQUIRE(r.status == 200);
  const json_doc s{r.body};
  REQUIRE(s.uint("/queues/page_views/sealed_segments_waiting") >= 1);
  REQUIRE_FALSE(s.is_null("/queues/page_views/oldest_sealed_age_seconds"));
  // Boost.JSON's own serializer would write "1.234E-3" (and "0E0"): the text must be digits.
  const std::string key = R"("oldest_sealed_age_seconds":)";
  const auto queue = r.body.find(R"("page_views":{)");
  REQUIRE(queue != std::string::npos);
  const auto at = r.body.find(key, queue);
  REQUIRE(at != std::string::npos);
  const std::string text =
      r.body.substr(at + key.size(), r.body.find_first_of(",}", at) - at - key.size());
  INFO(text);
  CHECK(text.find_first_not_of("0123456789.") == std::string::npos);
  const auto point = text.find('.');
  REQUIRE(point != std::string::npos);
  CHECK(text.size() - point - 1 == 6);
}

TEST_CASE("Segment calls are mapped, acknowledged {success:true} and stored",
          "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const http_reply track = c.post(
      "/v1/track",
      R"({"userId":"u-7","event":"checkout_error","properties":{"reason":"Payment Declined"},"messageId":"msg-track-1"})");
  REQUIRE(track.status == 200);
  CHECK(track.body == R"({"success":true})");
  const std::string track_id = gg::ingest::event_id_from_message_id("msg-track-1")->to_string();
  const auto stored = f.object_with_id("ecommerce_events", track_id);
  REQUIRE(stored);
  const json_doc line{*stored};
  CHECK(line.str("/type") == "custom_event");
  CHECK(line.str("/event") == "checkout_error");
  CHECK(line.str("/_source") == "segment");

  REQUIRE(
      c.post("/v1/p", R"({"anonymousId":"a-1","name":"Home","messageId":"msg-page-1"})").status ==
      200);
  CHECK(f.object_with_id("page_views",
                         gg::ingest::event_id_from_message_id("msg-page-1")->to_string()));

  const http_reply batch = c.post(
      "/v1/batch",
      R"({"batch":[{"type":"identify","userId":"u-7","traits":{"email":"u7@example.com"},"messageId":"msg-id-1"},{"type":"track","userId":"u-7","event":"logout","messageId":"msg-lo-1"},{"type":"bogus","userId":"u-7"}],"sentAt":"2026-11-26T15:19:10.000Z"})");
  REQUIRE(batch.status == 200);
  CHECK(batch.body == R"({"success":true})");
  CHECK(f.objects("user_events").size() == 2);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "unknown_type"}}) == 1);

  CHECK(c.post("/v1/identify", R"({"traits":{}})").status == 400);
}

TEST_CASE("a configured write key is required on the Segment routes", "[integration][ingest]") {
  ingest_fixture::options o;
  o.ingest.write_key = "wk_live_123";
  ingest_fixture f{o};
  auto c = f.client();
  const char* body = R"({"userId":"u","event":"purchase"})";
  const http_reply missing = c.post("/v1/track", body);
  CHECK(missing.status == 401);
  CHECK(json_doc{missing.body}.str("/error") == "unauthorized");
  CHECK(missing.header("WWW-Authenticate").has_value());
  // "wk_live_123:" in base64.
  CHECK(c.post("/v1/track", body, "application/json", {{"Authorization", "Basic d2tfbGl2ZV8xMjM6"}})
            .status == 200);
  CHECK(
      c.post("/v1/track", body, "application/json", {{"Authorization", "Basic d3Jvbmc6"}}).status ==
      401);
  CHECK(c.post("/v1/batch",
               R"({"batch":[{"type":"track","userId":"u","event":"e"}],"writeKey":"wk_live_123"})")
            .status == 200);
  // The browser route does not take a write key.
  CHECK(c.post("/api/analytics", page_view).status == 200);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "unauthorized"}}) == 2);
}

TEST_CASE("a server-made event is acknowledged with its id once durable", "[integration][ingest]") {
  std::promise<gg::result<gg::uuid>> done;
  std::optional<gg::result<gg::uuid>> refused;
  ingest_fixture f;
  gg::ingest::server_event ev;
  ev.event = "order_completed";
  ev.session_id = "s-9";
  ev.user_id = "u-9";
  ev.properties_json = R"({"order_id":"O-1","total":1299.99})";
  f.service().submit_server_event(ev, [&](gg::result<gg::uuid> r) { done.set_value(r); });
  auto fut = done.get_future();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  const auto r = fut.get();
  REQUIRE(r.has_value());
  const auto stored = f.object_with_id("ecommerce_events", r->to_string());
  REQUIRE(stored);
  const json_doc line{*stored};
  CHECK(line.str("/_source") == "server");
  CHECK(line.str("/properties/order_id") == "O-1");
  CHECK(line.str("/userId") == "u-9");

  ev.properties_json = "{broken";
  f.service().submit_server_event(ev, [&](gg::result<gg::uuid> r2) { refused = r2; });
  REQUIRE(refused);
  REQUIRE_FALSE(refused->has_value());
  CHECK(refused->error().code == gg::errc::invalid_input);
}

TEST_CASE("after request_stop new events are refused and pending ones drain",
          "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  REQUIRE(c.post("/api/analytics", page_view).status == 200);
  f.service().request_stop();
  const http_reply r = c.post("/api/analytics", page_view);
  CHECK(r.status == 503);
  CHECK(json_doc{r.body}.str("/error") == "shutting_down");
  CHECK(f.service().drain(std::chrono::steady_clock::now() + 5s));
  CHECK(f.service().health().state == gg::health_state::stopped);
}

namespace {

/// `[{"type":"a"},...]`: the smallest events that pass.
std::string tiny_events(std::size_t n) {
  std::string body = "[";
  for (std::size_t i = 0; i < n; ++i) body += i == 0 ? R"({"type":"a"})" : R"(,{"type":"a"})";
  return body + "]";
}

std::size_t stored_bytes(const ingest_fixture& f) {
  std::size_t n = 0;
  for (const auto q : gg::eventlog::all_queues) {
    for (const auto& file : f.segment_files(gg::eventlog::to_string(q))) n += file.size();
  }
  return n;
}

}  // namespace

TEST_CASE("the amplification attack is refused in bounded memory and honest events still land",
          "[integration][ingest]") {
  // The review's request: ~32 KB of 2,500 tiny events under a User-Agent of 0xFF bytes (each
  // stored as a 6-byte \ufffd), which used to become ~100 MB of queued lines per request.
  ingest_fixture f;
  const gg::test::http_fields attack_agent = {{"User-Agent", std::string(7 * 1024, '\xff')}};
  const std::string attack = tiny_events(2500);
  REQUIRE(attack.size() < 33 * 1024);

  std::atomic<int> refused{0};
  std::atomic<int> honest_ok{0};
  std::vector<std::thread> attackers;
  for (int t = 0; t < 4; ++t) {
    attackers.emplace_back([&] {
      auto c = f.client();
      for (int i = 0; i < 10; ++i) {
        const http_reply r =
            c.post("/api/analytics/batch", attack, "application/json", attack_agent);
        if (r.status == 413 && r.body.find("enriched_too_large") != std::string::npos) ++refused;
      }
    });
  }
  auto honest = f.client();
  for (int i = 0; i < 20; ++i) {
    if (honest.post("/api/analytics", page_view, "application/json", browser_fields()).status ==
        200) {
      ++honest_ok;
    }
  }
  for (auto& t : attackers) t.join();
  CHECK(refused.load() == 40);
  CHECK(honest_ok.load() == 20);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "enriched_too_large"}}) == 40);
  CHECK(f.log().stats().queue_bytes == 0);
  CHECK(f.objects("page_views").size() == 20);
  CHECK(f.objects("event_queue").empty());

  // The same agent on a batch within the budget is stored, capped, within the budget.
  const std::string small = tiny_events(20);
  auto c = f.client();
  const http_reply ok = c.post("/api/analytics/batch", small, "application/json", attack_agent);
  REQUIRE(ok.status == 200);
  const auto lines = f.objects("event_queue");
  REQUIRE(lines.size() == 20);
  std::size_t enriched = 0;
  for (const auto& line : lines) {
    enriched += line.size();
    CHECK(json_doc{line}.str("/user_agent").size() == 170 * 3);  // 170 whole U+FFFD
  }
  const gg::ingest::ingest_config defaults;
  CHECK(enriched <= defaults.max_enrichment_ratio * small.size() + defaults.enrichment_allowance);
  CHECK(stored_bytes(f) < 20 * 1024 + 64 * 1024);
}

namespace {

/// `data` compressed: window_bits 31 gzip, 15 zlib (HTTP deflate).
std::string compressed(std::string_view data, int window_bits = 31) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

TEST_CASE("gzip and deflate bodies are taken on every ingest route, whatever the Content-Type",
          "[integration][ingest]") {
  ingest_fixture f;
  auto c = f.client();
  const gg::test::http_fields gzip_fields = {{"Content-Encoding", "gzip"}};
  const gg::test::http_fields deflate_fields = {{"Content-Encoding", "deflate"}};

  http_reply r = c.post("/api/analytics", compressed(page_view), "application/json", gzip_fields);
  CHECK(r.status == 200);
  r = c.post("/api/analytics/batch",
             compressed(R"([{"type":"custom_event","event":"add_to_cart"}])", 15),
             "application/json", deflate_fields);
  CHECK(r.status == 200);
  r = c.post("/v1/track",
             compressed(R"({"userId":"u-gz","event":"begin_checkout","messageId":"m-gz-1"})"),
             "text/plain", gzip_fields);
  CHECK(r.status == 200);
  CHECK(r.body == R"({"success":true})");
  r = c.post("/v1/batch",
             compressed(R"({"batch":[{"type":"page","userId":"u-gz","messageId":"m-gz-2"}]})"),
             "application/x-www-form-urlencoded", {{"Content-Encoding", "x-gzip"}});
  CHECK(r.status == 200);
  r = c.post("/v1/identify", R"({"userId":"u-plain","messageId":"m-plain"})", "");
  CHECK(r.status == 200);
  CHECK(f.objects("page_views").size() == 2);
  CHECK(f.objects("ecommerce_events").size() == 2);
  CHECK(f.objects("user_events").size() == 1);
  const auto stored = f.object_with_id("ecommerce_events",
                                       gg::ingest::event_id_from_message_id("m-gz-1")->to_string());
  REQUIRE(stored);
  CHECK(json_doc{*stored}.str("/event") == "begin_checkout");
}

TEST_CASE("a gzip bomb is 413, a truncated stream 400 with the reason, an unknown coding 415",
          "[integration][ingest]") {
  // 64 MiB of a valid-looking batch prefix and spaces, ~64 KB on the wire: within the 500 KB
  // batch limit compressed, far past it decoded. Compressed before the connection opens: on a
  // loaded machine this takes seconds, and an idle connection is closed by the server meanwhile.
  const std::string bomb = compressed(R"({"batch":[)" + std::string(64u << 20, ' '));
  REQUIRE(bomb.size() < 500 * 1024);
  ingest_fixture f;
  auto c = f.client();
  const gg::test::http_fields gzip_fields = {{"Content-Encoding", "gzip"}};
  http_reply r = c.post("/v1/batch", bomb, "application/json", gzip_fields);
  CHECK(r.status == 413);
  CHECK(json_doc{r.body}.str("/error") == "body_too_large");

  // The single-event routes have the single limit (32 KB) for the decoded body.
  const std::string padded = R"({"type":"page_view","pad":")" + std::string(40 * 1024, 'x') + "\"}";
  r = c.post("/api/analytics", compressed(padded), "application/json", gzip_fields);
  CHECK(r.status == 413);

  const std::string whole = compressed(page_view);
  r = c.post("/api/analytics", whole.substr(0, whole.size() / 2), "application/json", gzip_fields);
  CHECK(r.status == 400);
  CHECK(json_doc{r.body}.str("/error") == "bad_encoding");
  CHECK(json_doc{r.body}.str("/detail") == "truncated stream");

  r = c.post("/api/analytics", page_view, "application/json", gzip_fields);
  CHECK(r.status == 400);
  CHECK(json_doc{r.body}.str("/detail") == "incorrect header check");

  r = c.post("/v1/track", R"({"userId":"u","event":"e"})", "application/json",
             {{"Content-Encoding", "br"}});
  CHECK(r.status == 415);
  CHECK(json_doc{r.body}.str("/error") == "unsupported_encoding");

  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "body_too_large"}}) == 2);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "bad_encoding"}}) == 2);
  CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "unsupported_encoding"}}) == 1);
  CHECK(f.objects("page_views").empty());
  CHECK(c.post("/api/analytics", page_view).status == 200);
}

TEST_CASE("X-Forwarded-For and Forwarded are honoured only from a trusted proxy",
          "[integration][ingest]") {
  const gg::test::http_fields spoofed = {{"User-Agent", "Mozilla/5.0 Firefox/121.0"},
                                         {"X-Forwarded-For", "6.6.6.6, 203.0.113.9"},
                                         {"Forwarded", "for=198.51.100.77"}};
  const auto stored_ip = [&](ingest_fixture& f, const gg::test::http_fields& fields) {
    auto c = f.client();
    const http_reply r = c.post("/api/analytics", page_view, "application/json", fields);
    REQUIRE(r.status == 200);
    const auto line = f.object_with_id("page_views", json_doc{r.body}.str("/event_id"));
    REQUIRE(line);
    return json_doc{*line}.str("/client_ip");
  };

  SECTION("no trusted proxy: the headers are ignored") {
    ingest_fixture f;
    CHECK(stored_ip(f, spoofed) == "127.0.0.1");
  }
  SECTION("a peer outside the trusted networks cannot spoof its address") {
    ingest_fixture::options o;
    o.ingest.trusted_proxies = {"10.0.0.0/8"};
    ingest_fixture f{o};
    CHECK(stored_ip(f, spoofed) == "127.0.0.1");
  }
  SECTION("from a trusted proxy, Forwarded names the client") {
    ingest_fixture::options o;
    o.ingest.trusted_proxies = {"127.0.0.0/8"};
    ingest_fixture f{o};
    CHECK(stored_ip(f, spoofed) == "198.51.100.77");
  }
  SECTION("from a trusted proxy, the rightmost untrusted X-Forwarded-For hop is the client") {
    ingest_fixture::options o;
    o.ingest.trusted_proxies = {"127.0.0.1", "203.0.113.0/24"};
    o.ingest.visitor_hash_key = "k";
    ingest_fixture f{o};
    CHECK(stored_ip(f, {{"X-Forwarded-For", "6.6.6.6, 192.0.2.44, 203.0.113.9"}}) == "192.0.2.44");
  }
}

TEST_CASE("an invalid trusted proxy or a key required everywhere without a key fails start",
          "[integration][ingest]") {
  gg::ingest::ingest_config cfg;
  cfg.trusted_proxies = {"10.0.0.0/99"};
  auto fs = std::make_shared<gg::eventlog::fault_file_system>();
  gg::metrics::registry registry;
  gg::eventlog::event_log_config lc;
  lc.log_dir = "/data/log";
  lc.fs = fs;
  lc.metrics = &registry;
  gg::eventlog::event_log log{lc};
  gg::ingest::ingest_service service{cfg, log, &registry};
  const auto st = service.start();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message.find("10.0.0.0/99") != std::string::npos);

  gg::ingest::ingest_config no_key;
  no_key.write_key_everywhere = true;
  gg::ingest::ingest_service keyless{no_key, log, &registry};
  const auto st2 = keyless.start();
  REQUIRE_FALSE(st2.has_value());
  CHECK(st2.error().message == "--require-write-key-everywhere needs --write-key");
}

TEST_CASE("with the write key required everywhere the /api routes need it too",
          "[integration][ingest]") {
  const std::string basic = "Basic " + std::string{"a2V5LTE6"};  // "key-1:"
  SECTION("off (the default): /api takes events without the key, /v1 needs it") {
    ingest_fixture::options o;
    o.ingest.write_key = "key-1";
    ingest_fixture f{o};
    auto c = f.client();
    CHECK(c.post("/api/analytics", page_view).status == 200);
    CHECK(c.post("/v1/track", R"({"userId":"u","event":"e"})").status == 401);
  }
  SECTION("on: both /api routes answer 401 without it and take events with it") {
    ingest_fixture::options o;
    o.ingest.write_key = "key-1";
    o.ingest.write_key_everywhere = true;
    ingest_fixture f{o};
    auto c = f.client();
    http_reply r = c.post("/api/analytics", page_view);
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate").has_value());
    CHECK(c.post("/api/analytics/batch", std::string{"["} + page_view + "]").status == 401);
    CHECK(c.post("/api/analytics", page_view, "application/json",
                 {{"Authorization", "Basic d3Jvbmc6"}})
              .status == 401);
    CHECK(c.post("/api/analytics", page_view, "application/json", {{"Authorization", basic}})
              .status == 200);
    CHECK(c.post("/api/analytics/batch", std::string{"["} + page_view + "]", "application/json",
                 {{"Authorization", basic}})
              .status == 200);
    CHECK(f.objects("page_views").size() == 2);
    CHECK(f.counter("gadgetgrove_ingest_rejected_total", {{"reason", "unauthorized"}}) == 3);
  }
}
