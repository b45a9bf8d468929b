#pragma once
// Checkout requests: parsing and validation against the catalog, the order's money, and the
// simulated payment provider.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/shop/catalog.hpp>
#include <gadgetgrove/shop/pricing.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::shop {

/// Largest quantity of one line and most lines one order may have.
inline constexpr int max_line_quantity = 99;
inline constexpr std::size_t max_order_lines = 100;
/// Longest accepted name or email.
inline constexpr std::size_t max_contact_length = 200;
/// Largest client-sent total (dollars) accepted; the server computes the real total anyway.
inline constexpr double max_client_total = 100'000'000.0;

struct order_line {
  const product* item = nullptr;  // points into the catalog the request was validated with
  int quantity = 0;
};

/// A validated POST /checkout body.
struct checkout_request {
  std::string name;
  std::string email;
  std::vector<order_line> lines;
  std::optional<double> client_total;  // informational only; the server computes the total
  bool end_session = false;
};

/// The totals of `lines` by the shop's pricing rules (pricing.hpp); lines without an item add
/// nothing.
order_totals compute_totals(std::span<const order_line> lines) noexcept;

/// Parses and validates a checkout body `{name,email,items:[{product_id,quantity}],total,
/// end_session}`. Errors are errc::invalid_input whose message is the reason shown to the
/// client: malformed JSON, a missing or overlong name, an invalid email, no items, an unknown
/// or out-of-stock product, a quantity outside 1..99 or not an integer, too many lines, a total
/// that is not a number from 0 to max_client_total.
/// Never throws; `catalog` must outlive the result (lines point into it).
result<checkout_request> parse_checkout(std::string_view body, const catalog& catalog);

/// The reasons a simulated payment fails, in the order the draw picks them.
std::span<const std::string_view> payment_failure_reasons() noexcept;

/// The simulated payment provider: declines a configurable share of charges with one of the
/// payment_failure_reasons(). Outcomes come from a counter-based generator (splitmix64 of
/// seed and sequence number), so a seed fixes the sequence of outcomes; lock-free and safe
/// from any number of threads.
class payment_simulator {
 public:
  /// `failure_rate` is clamped to 0..1; `seed` 0 draws one from the kernel's CSPRNG.
  payment_simulator(double failure_rate, std::uint64_t seed);

  /// nullopt when the charge is approved, else the decline reason.
  std::optional<std::string_view> charge() noexcept;

  double failure_rate() const noexcept { return failure_rate_; }

 private:
  double failure_rate_;
  std::uint64_t seed_;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace gg::shop
