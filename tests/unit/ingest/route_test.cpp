#include <gadgetgrove/ingest/route.hpp>

#include <catch2/catch.hpp>

#include <string>

using gg::ingest::queue_id;
using gg::ingest::route;

namespace {

struct table_row {
  const char* name;
  queue_id queue;
};

// docs/reference/behaviour.md §2, one row per name, plus the shop's server-side order events.
const table_row spec_table[] = {
    {"identify", queue_id::user_events},
    {"user_engagement", queue_id::user_events},
    {"logout", queue_id::user_events},
    {"product_view", queue_id::ecommerce_events},
    {"category_view", queue_id::ecommerce_events},
    {"add_to_cart", queue_id::ecommerce_events},
    {"begin_checkout", queue_id::ecommerce_events},
    {"checkout", queue_id::ecommerce_events},
    {"purchase", queue_id::ecommerce_events},
    {"checkout_error", queue_id::ecommerce_events},
    {"order_completed", queue_id::ecommerce_events},
    {"order_failed", queue_id::ecommerce_events},
};

}  // namespace

TEST_CASE("page_view routes to page_views whatever the event name or queueName", "[unit][ingest]") {
  CHECK(route("page_view", "", "") == queue_id::page_views);
  CHECK(route("page_view", "purchase", "") == queue_id::page_views);
  CHECK(route("page_view", "", "analytics_events") == queue_id::page_views);
}

TEST_CASE("every row of the routing table routes as a type and as a custom event name",
          "[unit][ingest]") {
  for (const table_row& row : spec_table) {
    INFO(row.name);
    CHECK(route(row.name, "", "") == row.queue);
    CHECK(route("custom_event", row.name, "") == row.queue);
    // A named row wins over a queueName hint.
    CHECK(route(row.name, "", "analytics_events") == row.queue);
    CHECK(route("custom_event", row.name, "analytics") == row.queue);
  }
}

TEST_CASE("queueName asks for analytics_events only when nothing else matched", "[unit][ingest]") {
  CHECK(route("custom_event", "newsletter_signup", "analytics_events") ==
        queue_id::analytics_events);
  CHECK(route("custom_event", "newsletter_signup", "analytics") == queue_id::analytics_events);
  CHECK(route("scroll_depth", "", "analytics_events") == queue_id::analytics_events);
  CHECK(route("custom_event", "newsletter_signup", "page_views") == queue_id::event_queue);
  CHECK(route("custom_event", "newsletter_signup", "Analytics") == queue_id::event_queue);
}

TEST_CASE("anything else goes to event_queue", "[unit][ingest]") {
  CHECK(route("custom_event", "newsletter_signup", "") == queue_id::event_queue);
  CHECK(route("custom_event", "", "") == queue_id::event_queue);
  CHECK(route("scroll_depth", "", "") == queue_id::event_queue);
  CHECK(route("", "", "") == queue_id::event_queue);
  CHECK(route("Purchase", "", "") == queue_id::event_queue);
  CHECK(route("custom_event", "PURCHASE", "") == queue_id::event_queue);
}

TEST_CASE("the type is matched before the event name", "[unit][ingest]") {
  CHECK(route("add_to_cart", "logout", "") == queue_id::ecommerce_events);
  CHECK(route("identify", "purchase", "") == queue_id::user_events);
  CHECK(route("custom_event", "logout", "") == queue_id::user_events);
}
