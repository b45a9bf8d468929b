#include <gadgetgrove/shop/checkout.hpp>

#include <gadgetgrove/core/random.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace gg::shop {
namespace {

constexpr std::array<std::string_view, 4> failure_reasons = {
    "Payment Declined", "Insufficient Funds", "Card Verification Failed", "Network Error"};

// Longest product id echoed back in a reason; longer input is cut so replies stay small.
constexpr std::size_t max_echoed_id = 64;

gg::error invalid(std::string reason) { return gg::error{errc::invalid_input, std::move(reason)}; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool plausible_email(std::string_view email) noexcept {
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view domain = email.substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  return std::none_of(email.begin(), email.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>';
  });
}

std::string echo_id(std::string_view id) {
  return std::string{id.substr(0, max_echoed_id)} + (id.size() > max_echoed_id ? "..." : "");
}

/// The whole number in `el`, if it is one (JSON has no integer type: 2 and 2.0 are equal).
std::optional<std::int64_t> whole_number(simdjson::dom::element el) noexcept {
  std::int64_t i = 0;
  if (el.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  if (el.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d) && std::trunc(d) == d &&
      std::fabs(d) < 1e9) {
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

result<std::string> contact_field(simdjson::dom::object obj, std::string_view key,
                                  std::string_view label) {
  std::string_view value;
  if (obj[key].get_string().get(value) != simdjson::SUCCESS || trim(value).empty()) {
    return invalid(std::string{label} + " is required");
  }
  value = trim(value);
  if (value.size() > max_contact_length) {
    return invalid(std::string{label} + " is too long (at most " +
                   std::to_string(max_contact_length) + " characters)");
  }
  return std::string{value};
}

}  // namespace

order_totals compute_totals(std::span<const order_line> lines) noexcept {
  std::int64_t subtotal = 0;
  for (const auto& line : lines) {
    if (line.item != nullptr) subtotal += line.item->price_cents * line.quantity;
  }
  return price_order(subtotal);
}

result<checkout_request> parse_checkout(std::string_view body, const catalog& catalog) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return invalid("the body is not valid JSON");
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return invalid("the body must be a JSON object");
  }

  checkout_request req;
  auto name = contact_field(obj, "name", "name");
  if (!name) return name.error();
  req.name = std::move(*name);
  auto email = contact_field(obj, "email", "email");
  if (!email) return email.error();
  if (!plausible_email(*email)) return invalid("email is not a valid address");
  req.email = std::move(*email);

  simdjson::dom::array items;
  if (obj["items"].get_array().get(items) != simdjson::SUCCESS || items.size() == 0) {
    return invalid("items must be a non-empty list");
  }
  if (items.size() > max_order_lines) {
    return invalid("too many items (at most " + std::to_string(max_order_lines) + " lines)");
  }
  req.lines.reserve(items.size());
  for (simdjson::dom::element el : items) {
    simdjson::dom::object item;
    std::string_view product_id;
    if (el.get_object().get(item) != simdjson::SUCCESS ||
        item["product_id"].get_string().get(product_id) != simdjson::SUCCESS) {
      return invalid("each item needs a product_id and a quantity");
    }
    const product* p = catalog.find(product_id);
    if (p == nullptr) return invalid("unknown product: " + echo_id(product_id));
    simdjson::dom::element quantity_el;
    std::optional<std::int64_t> quantity;
    if (item["quantity"].get(quantity_el) == simdjson::SUCCESS)
      quantity = whole_number(quantity_el);
    if (!quantity || *quantity < 1 || *quantity > max_line_quantity) {
      return invalid("quantity of " + p->id + " must be a whole number from 1 to " +
                     std::to_string(max_line_quantity));
    }
    if (!p->in_stock) return invalid(p->name + " is out of stock");
    req.lines.push_back(order_line{p, static_cast<int>(*quantity)});
  }

  simdjson::dom::element total;
  if (obj["total"].get(total) == simdjson::SUCCESS && !total.is_null()) {
    double value = 0;
    if (total.get_double().get(value) != simdjson::SUCCESS)
      return invalid("total must be a number");
    // The total is echoed into the order event; a bounded, finite value keeps that echo short
    // and exact to the cent (also rejects -0.01 and 1e300, which no basket adds up to).
    if (!std::isfinite(value) || value < 0 || value > max_client_total) {
      return invalid("total must be a number from 0 to " +
                     std::to_string(static_cast<std::int64_t>(max_client_total)));
    }
    req.client_total = value;
  }
  simdjson::dom::element end_session;
  if (obj["end_session"].get(end_session) == simdjson::SUCCESS && !end_session.is_null()) {
    if (end_session.get_bool().get(req.end_session) != simdjson::SUCCESS) {
      return invalid("end_session must be true or false");
    }
  }
  return req;
}

std::span<const std::string_view> payment_failure_reasons() noexcept { return failure_reasons; }

payment_simulator::payment_simulator(double failure_rate, std::uint64_t seed)
    : failure_rate_(std::isfinite(failure_rate) ? std::clamp(failure_rate, 0.0, 1.0) : 0.0),
      seed_(seed) {
  while (seed_ == 0) {
    std::array<std::uint8_t, 8> bytes{};
    gg::secure_random(bytes);
    for (auto b : bytes) seed_ = (seed_ << 8) | b;
  }
}

std::optional<std::string_view> payment_simulator::charge() noexcept {
  const std::uint64_t n = sequence_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t r = mix64(seed_ + golden_gamma * (n + 1));
  const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
  if (u >= failure_rate_) return std::nullopt;
  return failure_reasons[mix64(r) % failure_reasons.size()];
}

}  // namespace gg::shop
