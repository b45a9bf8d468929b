// Runs `gadgetgrove serve`, drives the storefront through shop_flow.mjs in headless Chromium,
// stops the server, then checks that the browser's events and the shop's order event are in
// the durable segment files with the shopper's session id and the SPEC's property names.
//
// Needs: node, /usr/bin/chromium (or CHROMIUM_PATH), and playwright-core, which the test
// installs with `npm ci` from package-lock.json when node_modules is missing. Screenshots go
// to GG_E2E_SCREENSHOT_DIR when set (kept), else into the test's temporary directory.

#include "browser_support.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/core/serve_info.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct logged_event {
  std::string line;
  simdjson::dom::element json;
};

std::string text(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string{v} : std::string{};
}

std::string prop(simdjson::dom::element e, std::string_view key) {
  return text(e["properties"].value_unsafe(), key);
}

}  // namespace

TEST_CASE("a shopper's browser session reaches the event log with the right ids",
          "[e2e][shop][browser]") {
  const fs::path dir = gg::test::browser_dir();
  const std::string node = gg::test::find_program("node");
  REQUIRE(!node.empty());
  gg::test::temp_dir tmp("gg-e2e-browser");
  const fs::path logs = tmp / "logs";
  fs::create_directories(logs);

  const std::string npm = gg::test::install_browser_client(logs);
  INFO(npm);
  REQUIRE(npm.empty());

  const fs::path data = tmp / "data";
  gg::test::child_process serve(gg::test::binary_path(),
                                {"serve", "--data-dir", data.string(), "--listen", "127.0.0.1:0",
                                 "--admin-listen", "127.0.0.1:0"},
                                logs);
  const bool ready = gg::test::wait_for_file(data / "serve.json", 60s);
  INFO("serve stderr:\n" << serve.stderr_text());
  REQUIRE(ready);
  const auto info = gg::read_serve_info(data);
  REQUIRE(info.has_value());
  const std::string public_address = info->public_address;
  REQUIRE(!public_address.empty());

  const char* keep = std::getenv("GG_E2E_SCREENSHOT_DIR");
  const fs::path shots = keep != nullptr ? fs::path(keep) : tmp / "screenshots";
  const auto flow = gg::test::run_to_end(node,
                                         {(dir / "shop_flow.mjs").string(), "--url",
                                          "http://" + public_address, "--out", shots.string()},
                                         logs, 120s);
  INFO("shop_flow.mjs stdout:\n" << flow.out << "\nstderr:\n" << flow.err);
  REQUIRE(flow.status == 0);

  // The flow's summary is its last stdout line.
  const auto last_line = flow.out.substr(flow.out.rfind('\n', flow.out.size() - 2) + 1);
  simdjson::dom::parser summary_parser;
  simdjson::dom::element summary;
  REQUIRE(summary_parser.parse(last_line).get(summary) == simdjson::SUCCESS);
  const std::string session_id = text(summary, "session_id");
  const std::string user_id = text(summary, "user_id");
  const std::string product_id = text(summary, "product_id");
  const std::string outcome = text(summary, "outcome");
  const std::string order_id = text(summary, "order_id");
  REQUIRE(session_id.size() == 36);
  REQUIRE(!product_id.empty());
  REQUIRE((outcome == "purchase" || outcome == "checkout_error"));
  for (const char* name :
       {"product-desktop.png", "cart-desktop.png", "product-phone.png", "cart-phone.png"}) {
    CAPTURE(name);
    CHECK(fs::file_size(shots / name) > 10'000);
  }

  // A graceful stop seals the open segments.
  serve.signal(SIGTERM);
  CHECK(serve.wait(30s) == 0);

  // Sealed and open segments under log/, and any the loader already moved to archive/.
  std::vector<std::string> lines;
  for (const char* root : {"log", "archive"}) {
    if (!fs::exists(data / root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(data / root)) {
      const auto name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.find(".jsonl") == std::string::npos) continue;
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
  }
  REQUIRE(!lines.empty());

  simdjson::dom::parser parser;
  std::vector<simdjson::padded_string> padded;
  padded.reserve(lines.size());
  std::multimap<std::string, simdjson::dom::element> by_name;  // event name or type
  std::set<std::string> event_ids;
  std::vector<simdjson::dom::document> docs(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    padded.emplace_back(lines[i]);
    simdjson::dom::element e;
    if (parser.parse_into_document(docs[i], padded.back()).get(e) != simdjson::SUCCESS) continue;
    event_ids.insert(text(e, "event_id"));
    if (text(e, "sessionId") != session_id) continue;
    const std::string type = text(e, "type");
    by_name.emplace(type == "custom_event" ? text(e, "event") : type, e);
  }
  INFO("events of the session: " << by_name.size());

  const auto find = [&](const std::string& name,
                        auto pred) -> std::optional<simdjson::dom::element> {
    const auto [a, b] = by_name.equal_range(name);
    for (auto it = a; it != b; ++it) {
      if (pred(it->second)) return it->second;
    }
    return std::nullopt;
  };
  const auto any = [](simdjson::dom::element) { return true; };

  // Page views: home, category and product, each routed to page_views.
  for (const std::string& path : {std::string{"/"}, std::string{"/category/smartphones"},
                                  "/category/smartphones/product/" + product_id}) {
    CAPTURE(path);
    const auto pv = find("page_view", [&](auto e) { return text(e, "path") == path; });
    REQUIRE(pv);
    CHECK(text(*pv, "_queue") == "page_views");
    CHECK(text(*pv, "url").ends_with(path));
    CHECK(!text(*pv, "title").empty());
    CHECK(!text(*pv, "event_id").empty());
    CHECK(!text(*pv, "server_timestamp").empty());
  }

  const auto identify = find("identify", any);
  REQUIRE(identify);
  CHECK(text(*identify, "userId") == user_id);
  CHECK(text(*identify, "_queue") == "user_events");
  CHECK(text((*identify)["traits"].value_unsafe(), "email").ends_with("@example.com"));

  const auto category =
      find("category_view", [](auto e) { return prop(e, "category") == "Smartphones"; });
  REQUIRE(category);
  CHECK(text(*category, "_queue") == "ecommerce_events");

  const auto view =
      find("product_view", [&](auto e) { return prop(e, "product_id") == product_id; });
  REQUIRE(view);
  CHECK(!prop(*view, "name").empty());
  CHECK(!prop(*view, "brand").empty());
  CHECK(prop(*view, "category") == "Smartphones");
  CHECK((*view)["properties"]["price"].is_number());

  // The desktop pass adds two at once (the phone pass adds one more, to the same session).
  const auto add = find("add_to_cart", [&](auto e) {
    std::int64_t quantity = 0;
    return prop(e, "product_id") == product_id &&
           e["properties"]["quantity"].get_int64().get(quantity) == simdjson::SUCCESS &&
           quantity == 2;
  });
  REQUIRE(add);
  CHECK(prop(*add, "name").size() > 0);
  CHECK(prop(*add, "brand").size() > 0);
  CHECK(prop(*add, "category") == "Smartphones");
  CHECK((*add)["properties"]["price"].is_number());
  CHECK(text(*add, "userId") == user_id);
  CHECK(text(*add, "_queue") == "ecommerce_events");

  CHECK(find("begin_checkout", any));

  if (outcome == "purchase") {
    const auto purchase =
        find("purchase", [&](auto e) { return prop(e, "transaction_id") == order_id; });
    REQUIRE(purchase);
    CHECK((*purchase)["properties"]["value"].is_number());
  } else {
    const auto error = find("checkout_error", [&](auto e) {
      return prop(e, "reason") == text(summary, "reason") &&
             prop(e, "error") == text(summary, "reason");
    });
    REQUIRE(error);
  }

  // Events the tracker held while capture answered 503 and then failed, delivered later (the
  // log's event_id is the client's messageId).
  simdjson::dom::array retried;
  REQUIRE(summary["retried_message_ids"].get_array().get(retried) == simdjson::SUCCESS);
  CHECK(retried.size() >= 2);
  for (auto id : retried) {
    const std::string message_id{std::string_view{id.get_string().value_unsafe()}};
    CAPTURE(message_id);
    CHECK(event_ids.count(message_id) == 1);
  }

  // The server's own record of the order, through the same ingest path.
  const std::string server_event = outcome == "purchase" ? "order_completed" : "order_failed";
  const auto order = find(server_event, [&](auto e) { return prop(e, "order_id") == order_id; });
  REQUIRE(order);
  CHECK(text(*order, "_queue") == "ecommerce_events");
  CHECK(text(*order, "_source") == "server");
  CHECK(text(*order, "userId") == user_id);
  CHECK(prop(*order, "session_id") == session_id);
  CHECK(text((*order)["properties"]["items"].at(0).value_unsafe(), "product_id") == product_id);
}
