#pragma once
// A planned synthetic session: who visits, and the actions they take, in order, with the
// think time before each. Plans are pure data; the transport plays them against a server.

#include <gadgetgrove/core/time.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::traffic {

/// One user action. Each becomes one page load and/or one tracker send (see events_of).
enum class step_kind : std::uint8_t {
  home,            // GET /, GET /api/session; page_view (+ identify for a known user)
  category,        // GET /category/<slug>, GET /api/products?category=; page_view + category_view
  product,         // GET /category/<slug>/product/<id>; page_view + product_view
  add_to_cart,     // add_to_cart
  begin_checkout,  // begin_checkout
  checkout,        // POST /checkout (planned purchase) then purchase or checkout_error
  logout,          // logout, POST /api/session/end
};

std::string_view to_string(step_kind k) noexcept;

/// How the session's checkout is planned to end.
enum class checkout_plan : std::uint8_t { none, purchase, error };

struct session_step {
  step_kind kind = step_kind::home;
  /// Think time from the session's start to this action.
  std::uint32_t offset_ms = 0;
  /// category: index into product_list::categories(); product/add_to_cart: of the product's.
  std::uint32_t category = 0;
  /// product/add_to_cart: index into product_list::products().
  std::uint32_t product = 0;
  /// add_to_cart: 1..
  std::uint32_t quantity = 0;
};

struct session_plan {
  /// Position in the model's sequence, from 0.
  std::uint64_t sequence = 0;
  /// Client time of the first action; later actions add their offset_ms.
  sys_us start{};
  /// The simulated user (1-based), or 0 for an anonymous visitor.
  std::uint64_t user_number = 0;
  bool returning = false;   // the user has visited before
  std::uint32_t visit = 0;  // the user's visit count including this one; 0 when anonymous
  std::string user_id;      // UUID text; empty when anonymous
  std::string user_name;
  std::string user_email;
  /// Index into user_agents().
  std::uint32_t user_agent = 0;
  /// Index into entry_referrers(): where the visitor came from.
  std::uint32_t referrer = 0;
  bool bounced = false;
  checkout_plan checkout = checkout_plan::none;
  /// Index into checkout_error_reasons when checkout == error.
  std::uint32_t error_reason = 0;
  /// The purchase's checkout asks the shop to end the session.
  bool end_session = false;
  std::vector<session_step> steps;

  bool known_user() const noexcept { return user_number != 0; }
};

/// Tracker events one step sends when the server answers as planned.
std::size_t events_of(const session_plan& plan, const session_step& step) noexcept;
/// Sum of events_of over the plan's steps.
std::size_t event_count(const session_plan& plan) noexcept;

/// The browser User-Agent strings synthetic visitors present. Each ends in a
/// "GadgetGroveTraffic/1" token so the traffic can be told apart, without matching a bot
/// marker (the dashboard should show it like real shoppers).
std::span<const std::string_view> user_agents() noexcept;

/// The `referrer` of a session's first page view: "" (typed in, bookmarks) or a search engine
/// or link site.
std::span<const std::string_view> entry_referrers() noexcept;

}  // namespace gg::traffic
