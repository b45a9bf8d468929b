#include "dashboard_query.hpp"

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/utf8.hpp>
#include <gadgetgrove/http/request.hpp>

#include <array>

namespace gg::dashboard {
namespace {

constexpr std::int64_t first_day = days_from_civil(1900, 1, 1);
constexpr std::int64_t last_day = days_from_civil(9999, 12, 31);

// A key or value quoted in an error message: at most 40 bytes, so a hostile query does not
// become a large answer (the JSON escaper repairs invalid UTF-8).
std::string quoted(std::string_view s) {
  constexpr std::size_t max = 40;
  if (s.size() <= max) return "'" + std::string(s) + "'";
  return "'" + std::string(s.substr(0, max)) + "...'";
}

gg::status check_value(std::string_view key, std::string_view value) {
  if (value.size() > max_value_bytes) {
    return gg::fail(errc::invalid_input, std::string(key) + ": longer than " +
                                             std::to_string(max_value_bytes) + " bytes");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* end = p + value.size();
  while (p < end) {
    if (*p == 0) return gg::fail(errc::invalid_input, std::string(key) + ": contains a NUL byte");
    const auto step = utf8_next(p, end);
    if (!step.valid) return gg::fail(errc::invalid_input, std::string(key) + ": not UTF-8");
    p += step.length;
  }
  return {};
}

}  // namespace

std::optional<std::int64_t> parse_day(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto t = parse_iso8601(text);
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*t).time_since_epoch().count();
}

std::string format_day(std::int64_t day) {
  const auto c = civil_from_days(day);
  std::array<char, 16> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02u", c.year, c.month, c.day);
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

gg::result<dashboard_query> parse_dashboard_query(std::string_view raw_query, std::int64_t today) {
  std::optional<std::string> start_text;
  std::optional<std::string> end_text;
  dashboard_query q;
  struct slot {
    std::string_view key;
    std::optional<std::string>* value;
    bool seen = false;
  };
  std::array<slot, 7> slots{{{"start", &start_text},
                             {"end", &end_text},
                             {"product", &q.filters.product},
                             {"category", &q.filters.category},
                             {"outcome", &q.filters.outcome},
                             {"page", &q.filters.page},
                             {"source", &q.filters.source}}};

  while (!raw_query.empty()) {
    const auto amp = raw_query.find('&');
    const auto pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string key = http::percent_decode(pair.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? std::string{} : http::percent_decode(pair.substr(eq + 1));
    slot* target = nullptr;
    for (auto& s : slots) {
      if (s.key == key) target = &s;
    }
    if (target == nullptr) {
      return gg::fail(errc::invalid_input, "unknown query key " + quoted(key) +
                                               " (known: start, end, product, category, "
                                               "outcome, page, source)");
    }
    if (target->seen) {
      return gg::fail(errc::invalid_input, key + ": given more than once");
    }
    target->seen = true;
    if (auto st = check_value(key, value); !st) return st.error();
    if (!value.empty()) *target->value = value;
  }

  auto day_of =
      [](std::string_view key,
         const std::optional<std::string>& text) -> gg::result<std::optional<std::int64_t>> {
    if (!text) return std::optional<std::int64_t>{};
    auto d = parse_day(*text);
    if (!d || *d < first_day || *d > last_day) {
      return gg::fail(errc::invalid_input, std::string(key) +
                                               ": not a date YYYY-MM-DD from "
                                               "1900-01-01 to 9999-12-31: " +
                                               quoted(*text));
    }
    return std::optional<std::int64_t>{*d};
  };
  auto start = day_of("start", start_text);
  if (!start) return start.error();
  auto end = day_of("end", end_text);
  if (!end) return end.error();
  q.range.end = end->value_or(today);
  q.range.start = start->value_or(q.range.end - 29);
  if (q.range.end < q.range.start) {
    return gg::fail(errc::invalid_input, "end " + format_day(q.range.end) + " is before start " +
                                             format_day(q.range.start));
  }
  if (q.range.days() > max_range_days) {
    return gg::fail(errc::invalid_input, "the range is " + std::to_string(q.range.days()) +
                                             " days; at most " + std::to_string(max_range_days));
  }
  q.previous.end = q.range.start - 1;
  q.previous.start = q.range.start - q.range.days();

  if (q.filters.outcome) {
    bool known = false;
    for (auto o : session_outcomes) known = known || o == *q.filters.outcome;
    if (!known) {
      return gg::fail(errc::invalid_input,
                      "outcome: one of purchase, checkout_error, cart_abandonment, browse_only, "
                      "bounce, not " +
                          quoted(*q.filters.outcome));
    }
  }
  return q;
}

}  // namespace gg::dashboard
