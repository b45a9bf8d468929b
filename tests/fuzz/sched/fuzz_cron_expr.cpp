// libFuzzer target for cron expressions. The input's first line is the expression; an optional
// second line is the time zone (time_zone_spec::parse), an optional third line the start as
// seconds since 1970 (else 2026-03-29 00:30 UTC, a spring-forward night in Europe). Checked on
// every input:
// - nothing crashes, hangs or trips a sanitizer;
// - a refused expression gets an invalid_input error with a message;
// - an accepted one keeps its trimmed text, and that text parses again to the same firings;
// - a firing is a whole minute strictly after the start, and nothing fires in between (the
//   search from one second before the firing finds the same minute).

#include <gadgetgrove/sched/cron_expr.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

using std::chrono::system_clock;

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

/// Seconds since 1970 from decimal digits, kept within 1970..2200: system_clock counts
/// nanoseconds in 64 bits, which ends in 2262, and the search may look decades ahead.
std::int64_t start_seconds(std::string_view text) {
  std::int64_t v = 0;
  bool any = false;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    v = (v * 10 + (c - '0')) % 7'258'118'400;  // 2200-01-01
    any = true;
  }
  return any ? v : 1'774'744'200;  // 2026-03-29 00:30:00 UTC
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view expr_text = next_line(rest);
  const std::string_view zone_text = next_line(rest);
  const std::string_view start_text = next_line(rest);

  auto expr = gg::sched::cron_expr::parse(expr_text);
  if (!expr) {
    check(expr.error().code == gg::errc::invalid_input);
    check(!expr.error().message.empty());
    return 0;
  }
  gg::sched::time_zone_spec zone;
  if (!zone_text.empty()) {
    auto z = gg::sched::time_zone_spec::parse(zone_text);
    if (!z) {
      check(!z.error().message.empty());
      return 0;
    }
    zone = *z;
  }
  const system_clock::time_point start{std::chrono::seconds{start_seconds(start_text)}};

  auto again = gg::sched::cron_expr::parse(expr->text());
  check(again.has_value());
  check(again->text() == expr->text());

  const auto fire = expr->next_after(start, zone);
  check(again->next_after(start, zone) == fire);
  if (fire) {
    check(*fire > start);
    check(fire->time_since_epoch() % std::chrono::minutes{1} == system_clock::duration::zero());
    check(expr->next_after(*fire - std::chrono::seconds{1}, zone) == fire);
  }
  return 0;
}
