// Segment's own Node SDK (@segment/analytics-node, pinned in tests/e2e/segment_client) talking
// to our /v1 routes: every message it reports delivered must be in the segments with its
// fields. Needs `node` on PATH and `npm ci` run in tests/e2e/segment_client; without them the
// test fails.

#include <gadgetgrove/ingest/event_enricher.hpp>

#include "child_process.hpp"
#include "ingest_fixture.hpp"
#include "temp_dir.hpp"

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  if (const char* env = std::getenv("GG_SOURCE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return GG_INGEST_SOURCE_DIR;
}

std::optional<fs::path> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::stringstream dirs{path};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path{dir} / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

struct delivered_message {
  std::string kind;
  std::string message_id;
  std::string user_id;
  std::string anonymous_id;
  std::string event;
  std::string name;
};

std::string member(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return std::string{v};
}

std::vector<delivered_message> parse_report(const std::string& out) {
  std::vector<delivered_message> messages;
  simdjson::dom::parser parser;
  std::stringstream lines{out};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() != '{') continue;
    simdjson::dom::element e;
    INFO(line);
    REQUIRE(parser.parse(line).get(e) == simdjson::SUCCESS);
    messages.push_back(delivered_message{member(e, "kind"), member(e, "messageId"),
                                         member(e, "userId"), member(e, "anonymousId"),
                                         member(e, "event"), member(e, "name")});
  }
  return messages;
}

}  // namespace

TEST_CASE("every call of Segment's Node SDK arrives in the segments with its fields",
          "[integration][ingest][segment]") {
  const fs::path client_dir = source_dir() / "tests/e2e/segment_client";
  // Prerequisites, not options: without them this test fails (tools/install-deps.sh --test
  // installs both).
  if (!fs::exists(client_dir / "node_modules/@segment/analytics-node/package.json")) {
    FAIL((client_dir / "node_modules").string()
         << " is missing; run `npm ci` in " << client_dir.string()
         << " (tools/install-deps.sh --test does)");
  }
  const auto node = find_on_path("node");
  if (!node) FAIL("no `node` on PATH (tools/install-deps.sh --test installs it)");

  gg::test::ingest_fixture::options o;
  o.ingest.write_key = "gg-segment-test-key";
  gg::test::ingest_fixture f{o};
  gg::test::temp_dir logs{"gg-segment-client"};
  const std::string run_id = std::to_string(::getpid());
  const gg::test::run_result run =
      gg::test::run_to_end(node->string(),
                           {(client_dir / "send_events.mjs").string(), "--host",
                            "http://127.0.0.1:" + std::to_string(f.port()), "--write-key",
                            "gg-segment-test-key", "--run-id", run_id},
                           logs.path(), std::chrono::seconds{60});
  INFO("node stdout:\n" << run.out << "\nnode stderr:\n" << run.err);
  REQUIRE(run.status == 0);

  const auto messages = parse_report(run.out);
  REQUIRE(messages.size() == 8);
  std::size_t product_views = 0;
  for (const delivered_message& m : messages) {
    INFO(m.kind << " " << m.message_id);
    const auto id = gg::ingest::event_id_from_message_id(m.message_id);
    REQUIRE(id);
    std::string queue;
    std::string type;
    if (m.kind == "identify") {
      queue = "user_events";
      type = "identify";
    } else if (m.kind == "page") {
      queue = "page_views";
      type = "page_view";
    } else {
      REQUIRE(m.kind == "track");
      queue = "ecommerce_events";
      type = "custom_event";
    }
    const auto stored = f.object_with_id(queue, id->to_string());
    REQUIRE(stored);
    simdjson::dom::parser parser;
    simdjson::dom::element line;
    REQUIRE(parser.parse(*stored).get(line) == simdjson::SUCCESS);
    CHECK(member(line, "type") == type);
    CHECK(member(line, "messageId") == m.message_id);
    CHECK(member(line, "_source") == "segment");
    CHECK(member(line, "_queue") == queue);
    CHECK(member(line, "user_agent") == "analytics-node-next/latest");
    CHECK(member(line, "writeKey").empty());
    std::string_view library;
    CHECK(line.at_pointer("/context/library/name").get(library) == simdjson::SUCCESS);
    CHECK(library == "@segment/analytics-node");
    if (m.kind == "identify") {
      CHECK(member(line, "userId") == "user-" + run_id);
      std::string_view email;
      CHECK(line.at_pointer("/traits/email").get(email) == simdjson::SUCCESS);
      CHECK(email == "ada.lovelace@example.com");
    } else if (m.kind == "page") {
      CHECK(member(line, "name") == "Laptops");
      std::string_view url;
      CHECK(line.at_pointer("/properties/url").get(url) == simdjson::SUCCESS);
      CHECK(url == "https://shop.example/category/laptops");
    } else if (m.event == "add_to_cart") {
      CHECK(member(line, "event") == "add_to_cart");
      double price = 0;
      CHECK(line.at_pointer("/properties/price").get(price) == simdjson::SUCCESS);
      CHECK(price == 1299.99);
    } else {
      CHECK(member(line, "event") == "product_view");
      CHECK(member(line, "anonymousId") == "anon-" + run_id);
      ++product_views;
    }
    CHECK_FALSE(member(line, "timestamp").empty());
  }
  CHECK(product_views == 5);
}

TEST_CASE("a gzip-by-default Segment-spec SDK (RudderStack Node) delivers every call",
          "[integration][ingest][segment]") {
  // @rudderstack/rudder-sdk-node posts every /v1/batch body with Content-Encoding: gzip and a
  // non-JSON Content-Type unless told otherwise; before gzip support each batch was 400.
  const fs::path client_dir = source_dir() / "tests/e2e/segment_client";
  if (!fs::exists(client_dir / "node_modules/@rudderstack/rudder-sdk-node/package.json")) {
    FAIL((client_dir / "node_modules").string()
         << " is missing; run `npm ci` in " << client_dir.string()
         << " (tools/install-deps.sh --test does)");
  }
  const auto node = find_on_path("node");
  if (!node) FAIL("no `node` on PATH (tools/install-deps.sh --test installs it)");

  gg::test::ingest_fixture::options o;
  o.ingest.write_key = "gg-rudder-test-key";
  gg::test::ingest_fixture f{o};
  gg::test::temp_dir logs{"gg-rudder-client"};
  const std::string run_id = std::to_string(::getpid());
  const gg::test::run_result run =
      gg::test::run_to_end(node->string(),
                           {(client_dir / "send_gzip_events.mjs").string(), "--host",
                            "http://127.0.0.1:" + std::to_string(f.port()), "--write-key",
                            "gg-rudder-test-key", "--run-id", run_id},
                           logs.path(), std::chrono::seconds{60});
  INFO("node stdout:\n" << run.out << "\nnode stderr:\n" << run.err);
  REQUIRE(run.status == 0);
  // Three single calls, then the batch (the SDK sends the first message of a fresh client at
  // once, so it may arrive as two requests): every one of them gzip.
  const auto gzip_bodies =
      f.counter("gadgetgrove_ingest_decoded_bodies_total", {{"coding", "gzip"}});
  CHECK(gzip_bodies >= 4);
  CHECK(gzip_bodies <= 5);

  const auto messages = parse_report(run.out);
  REQUIRE(messages.size() == 8);
  for (const delivered_message& m : messages) {
    INFO(m.kind << " " << m.message_id);
    const auto id = gg::ingest::event_id_from_message_id(m.message_id);
    REQUIRE(id);
    const std::string queue = m.kind == "identify" ? "user_events"
                              : m.kind == "page"   ? "page_views"
                                                   : "ecommerce_events";
    const auto stored = f.object_with_id(queue, id->to_string());
    REQUIRE(stored);
    simdjson::dom::parser parser;
    simdjson::dom::element line;
    REQUIRE(parser.parse(*stored).get(line) == simdjson::SUCCESS);
    CHECK(member(line, "messageId") == m.message_id);
    CHECK(member(line, "_source") == "segment");
    CHECK(member(line, "writeKey").empty());
    std::string_view library;
    CHECK(line.at_pointer("/context/library/name").get(library) == simdjson::SUCCESS);
    CHECK(library == "analytics-node");
    if (m.kind == "track" && !m.user_id.empty()) {
      double total = 0;
      CHECK(line.at_pointer("/properties/total").get(total) == simdjson::SUCCESS);
      CHECK(total == 1299.99);
    }
  }
}
