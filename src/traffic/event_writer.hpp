#pragma once
// The JSON bodies of tracker events, as the storefront's tracker.js sends them to
// POST /api/analytics (docs/reference/behaviour.md §2): the same members in the same order, plus,
// for a synthetic event, the `"_synthetic": true` mark (core/synthetic_marker.hpp) in its
// properties (an identify's traits), which comes first in them.

#include <gadgetgrove/core/time.hpp>
#include "product_list.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gg::traffic {

/// The members every event ends with. Empty views are left out.
struct event_stamp {
  std::string_view message_id;  // a UUID
  sys_us time{};                // `timestamp`, written with milliseconds like toISOString()
  std::string_view session_id;
  std::string_view user_id;
  bool synthetic = false;  // the event is a simulated shopper's: add the mark
};

/// {"type":"page_view","url","path","title","referrer",["properties":{"_synthetic":true},]
/// "messageId","timestamp","sessionId","userId"}
void append_page_view(std::string& out, std::string_view url, std::string_view path,
                      std::string_view title, std::string_view referrer, const event_stamp& s);

/// {"type":"custom_event","event","properties","messageId","timestamp","sessionId","userId"};
/// `properties_json` is a JSON object written as it is (after the mark; empty: {}).
void append_custom_event(std::string& out, std::string_view event, std::string_view properties_json,
                         const event_stamp& s);

/// {"type":"identify","userId","traits":{"name","email"},"messageId","timestamp","sessionId"}
/// (the tracker sets no separate userId member after traits: the identify's own comes first).
void append_identify(std::string& out, std::string_view user_id, std::string_view name,
                     std::string_view email, const event_stamp& s);

/// {"product_id","name","brand","category","price"} plus "quantity" when quantity > 0.
void append_product_properties(std::string& out, const product_entry& p, std::uint32_t quantity);

/// A number of cents as JavaScript prints cents / 100: "1299.99", "1300", "1299.9", "-5".
void append_money(std::string& out, std::int64_t cents);

}  // namespace gg::traffic
