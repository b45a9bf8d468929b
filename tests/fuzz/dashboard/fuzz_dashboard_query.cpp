// libFuzzer target for the dashboard's request query (start, end and the filters). Checked on
// every input:
// - nothing crashes, hangs or trips a sanitizer;
// - a refused query gets an invalid_input error whose message stays short (a hostile query
//   does not become a large answer);
// - an accepted one has a range of 1..max_range_days days with given dates in 1900..9999,
//   the previous period of the same length ending the day before, filter values of at most
//   max_value_bytes without NUL, and a known outcome;
// - parse_day accepts exactly what format_day writes: a day it reads formats back to the input.

#include "dashboard_query.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace gd = gg::dashboard;

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

constexpr std::int64_t today = 20'792;  // 2026-12-05

void check_value(const std::optional<std::string>& v) {
  if (!v) return;
  check(!v->empty());
  check(v->size() <= gd::max_value_bytes);
  check(v->find('\0') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto day = gd::parse_day(text)) check(gd::format_day(*day) == text);

  auto q = gd::parse_dashboard_query(text, today);
  if (!q) {
    check(q.error().code == gg::errc::invalid_input);
    check(!q.error().message.empty());
    check(q.error().message.size() < 300);
    return 0;
  }
  const auto& r = q->range;
  check(r.start <= r.end);
  check(r.days() <= gd::max_range_days);
  check(gd::parse_day(gd::format_day(r.start)) == r.start);
  check(gd::parse_day(gd::format_day(r.end)) == r.end);
  // Given dates are within 1900..9999; a start derived from the end (29 days before) may be
  // earlier than 1900, which the dashboard's SQL handles as any other date.
  check(gd::format_day(r.end) >= "1900-01-01" && gd::format_day(r.end) <= "9999-12-31");
  check(r.start >= r.end - 29 || gd::format_day(r.start) >= "1900-01-01");
  check(q->previous.days() == r.days());
  check(q->previous.end == r.start - 1);
  const auto& f = q->filters;
  for (const auto* v : {&f.product, &f.category, &f.outcome, &f.page, &f.source}) check_value(*v);
  if (f.outcome) {
    bool known = false;
    for (auto o : gd::session_outcomes) known = known || o == *f.outcome;
    check(known);
  }
  return 0;
}
