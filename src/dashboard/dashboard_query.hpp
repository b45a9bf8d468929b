#pragma once
// The query of a dashboard panel request (GET /api/dashboard/<panel>?start=&end=&<filters>),
// parsed and validated before any SQL is built: a date range in the reporting time zone, the
// previous period of the same length, and at most one value per filter. docs/dashboard.md
// states the rules.

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::dashboard {

/// Longest accepted range, in days (three years and a leap day).
inline constexpr std::int64_t max_range_days = 1096;
/// Longest accepted filter value, in bytes.
inline constexpr std::size_t max_value_bytes = 200;

/// Calendar days, both inclusive, as days since 1970-01-01.
struct day_range {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t days() const noexcept { return end - start + 1; }
  friend bool operator==(const day_range&, const day_range&) = default;
};

/// The filters of a request; an absent one does not restrict. Each restricts the sessions
/// counted to those that viewed the product, viewed a product of the category, had the outcome,
/// viewed the page (a path) or came from the source.
struct dashboard_filters {
  std::optional<std::string> product;
  std::optional<std::string> category;
  std::optional<std::string> outcome;  // one of session_outcomes
  std::optional<std::string> page;
  std::optional<std::string> source;
  bool any() const noexcept { return product || category || outcome || page || source; }
  friend bool operator==(const dashboard_filters&, const dashboard_filters&) = default;
};

/// A validated request query.
struct dashboard_query {
  day_range range;
  day_range previous;  // same length, ending the day before range.start
  dashboard_filters filters;
};

/// The session outcomes in the dashboard's order.
inline constexpr std::string_view session_outcomes[] = {
    "purchase", "checkout_error", "cart_abandonment", "browse_only", "bounce"};

/// Parses `raw_query` (the URL's query, not decoded: "start=2026-11-01&page=%2Fcart").
/// `today` (days since 1970-01-01, in the reporting zone) fills a missing end; a missing start
/// is 29 days before the end. Keys are start, end, product, category, outcome, page and source;
/// an empty value counts as absent. Errors (errc::invalid_input, the message says which key and
/// why): an unknown or repeated key, a date that is not a valid YYYY-MM-DD from 1900 to 9999,
/// end before start, a range over max_range_days, a value over max_value_bytes, a value that
/// is not UTF-8 or holds a NUL, an outcome not in session_outcomes.
gg::result<dashboard_query> parse_dashboard_query(std::string_view raw_query, std::int64_t today);

/// "YYYY-MM-DD" of a day number.
std::string format_day(std::int64_t day);

/// The day number of a strict "YYYY-MM-DD", or nullopt.
std::optional<std::int64_t> parse_day(std::string_view text) noexcept;

}  // namespace gg::dashboard
