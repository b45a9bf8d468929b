#include <gadgetgrove/ingest/route.hpp>

#include <algorithm>
#include <iterator>

namespace gg::ingest {
namespace {

constexpr std::string_view user_names[] = {"identify", "user_engagement", "logout"};

// order_completed and order_failed are the shop's own server-side events.
constexpr std::string_view ecommerce_names[] = {
    "product_view", "category_view",  "add_to_cart",     "begin_checkout", "checkout",
    "purchase",     "checkout_error", "order_completed", "order_failed"};

template <std::size_t N>
bool contains(const std::string_view (&names)[N], std::string_view s) noexcept {
  return std::find(std::begin(names), std::end(names), s) != std::end(names);
}

}  // namespace

queue_id route(std::string_view type, std::string_view event_name,
               std::string_view queue_name_hint) noexcept {
  if (type == "page_view") return queue_id::page_views;
  if (contains(user_names, type)) return queue_id::user_events;
  if (contains(ecommerce_names, type)) return queue_id::ecommerce_events;
  if (!event_name.empty()) {
    if (contains(user_names, event_name)) return queue_id::user_events;
    if (contains(ecommerce_names, event_name)) return queue_id::ecommerce_events;
  }
  if (queue_name_hint == "analytics_events" || queue_name_hint == "analytics") {
    return queue_id::analytics_events;
  }
  return queue_id::event_queue;
}

}  // namespace gg::ingest
