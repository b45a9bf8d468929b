// The payload of a load notice (loader/load_notices.hpp): what the loader sends and what a
// listener accepts.

#include <gadgetgrove/loader/load_notices.hpp>

#include <catch2/catch.hpp>

#include <string>

using gg::loader::format_load_notice;
using gg::loader::parse_load_notice;

TEST_CASE("a load notice names its queue and row count and reads back", "[unit][loader]") {
  CHECK(format_load_notice("page_views", 1200) == "page_views 1200");
  for (const auto* q :
       {"page_views", "user_events", "ecommerce_events", "analytics_events", "event_queue"}) {
    auto n = parse_load_notice(format_load_notice(q, 18446744073709551615ULL));
    REQUIRE(n.has_value());
    CHECK(n->queue == q);
    CHECK(n->rows == 18446744073709551615ULL);
  }
}

TEST_CASE("a notice that is not exactly a known queue and a count is refused", "[unit][loader]") {
  for (const std::string bad : {"", "page_views", "page_views ", " page_views 1", "page_views 1 ",
                                "page_views  1", "page_views -1", "page_views 1x", "Page_Views 1",
                                "orders 1", "page_views 18446744073709551616", "page_views\t1"}) {
    INFO(bad);
    CHECK_FALSE(parse_load_notice(bad).has_value());
  }
}
