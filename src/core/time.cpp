#include <gadgetgrove/core/time.hpp>

#include <time.h>

namespace gg {
namespace {

using std::chrono::microseconds;

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, the range four-digit years can name.
constexpr std::int64_t min_us = days_from_civil(0, 1, 1) * 86'400'000'000LL;
constexpr std::int64_t max_us = days_from_civil(10000, 1, 1) * 86'400'000'000LL - 1;

struct broken_down {
  civil_date date;
  std::uint32_t hour, minute, second, micros;
};

broken_down split(sys_us t) noexcept {
  std::int64_t us = t.time_since_epoch().count();
  if (us < min_us) us = min_us;
  if (us > max_us) us = max_us;
  constexpr std::int64_t us_per_day = 86'400'000'000LL;
  std::int64_t days = us / us_per_day;
  std::int64_t rem = us % us_per_day;
  if (rem < 0) {
    rem += us_per_day;
    --days;
  }
  broken_down b;
  b.date = civil_from_days(days);
  b.micros = static_cast<std::uint32_t>(rem % 1'000'000);
  const auto secs = static_cast<std::uint32_t>(rem / 1'000'000);
  b.hour = secs / 3600;
  b.minute = secs / 60 % 60;
  b.second = secs % 60;
  return b;
}

inline char* put2(char* p, std::uint32_t v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

inline char* put_digits(char* p, std::uint32_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

/// "YYYY-MM-DDTHH:MM:SS" (19 bytes).
inline char* put_date_time(char* p, const broken_down& b) noexcept {
  p = put_digits(p, static_cast<std::uint32_t>(b.date.year), 4);
  *p++ = '-';
  p = put2(p, b.date.month);
  *p++ = '-';
  p = put2(p, b.date.day);
  *p++ = 'T';
  p = put2(p, b.hour);
  *p++ = ':';
  p = put2(p, b.minute);
  *p++ = ':';
  return put2(p, b.second);
}

/// A fixed-position cursor over the parse input; every read is bounds-checked.
class cursor {
 public:
  explicit cursor(std::string_view s) noexcept : p_(s.data()), end_(s.data() + s.size()) {}
  bool done() const noexcept { return p_ == end_; }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  char peek() const noexcept { return *p_; }
  void skip() noexcept { ++p_; }
  bool eat(char c) noexcept {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
  /// Exactly `n` digits.
  bool number(int n, std::uint32_t& out) noexcept {
    if (left() < static_cast<std::size_t>(n)) return false;
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (!digit(p_[i])) return false;
      v = v * 10 + static_cast<std::uint32_t>(p_[i] - '0');
    }
    p_ += n;
    out = v;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

sys_us now_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return sys_us{microseconds{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000}};
}

void format_iso8601_us(sys_us t, char* out) noexcept {
  const broken_down b = split(t);
  char* p = put_date_time(out, b);
  *p++ = '.';
  p = put_digits(p, b.micros, 6);
  *p = 'Z';
}

std::string format_iso8601_us(sys_us t) {
  std::string s(iso8601_us_size, '\0');
  format_iso8601_us(t, s.data());
  return s;
}

void format_iso8601_ms(sys_us t, char* out) noexcept {
  const broken_down b = split(t);
  char* p = put_date_time(out, b);
  *p++ = '.';
  p = put_digits(p, b.micros / 1000, 3);
  *p = 'Z';
}

void format_compact_utc(sys_us t, char* out) noexcept {
  const broken_down b = split(t);
  char* p = put_digits(out, static_cast<std::uint32_t>(b.date.year), 4);
  p = put2(p, b.date.month);
  p = put2(p, b.date.day);
  *p++ = 'T';
  p = put2(p, b.hour);
  p = put2(p, b.minute);
  p = put2(p, b.second);
  p = put_digits(p, b.micros, 6);
  *p = 'Z';
}

std::string format_compact_utc(sys_us t) {
  std::string s(compact_utc_size, '\0');
  format_compact_utc(t, s.data());
  return s;
}

std::optional<sys_us> parse_iso8601(std::string_view text) noexcept {
  cursor c(text);
  std::uint32_t year, month, day;
  if (!c.number(4, year) || !c.eat('-') || !c.number(2, month) || !c.eat('-') ||
      !c.number(2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      day > days_in_month(static_cast<std::int32_t>(year), month)) {
    return std::nullopt;
  }
  std::int64_t us = days_from_civil(static_cast<std::int32_t>(year), month, day) * 86'400'000'000LL;
  if (c.done()) return sys_us{microseconds{us}};

  const char sep = c.peek();
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  c.skip();
  std::uint32_t hour, minute, second;
  if (!c.number(2, hour) || !c.eat(':') || !c.number(2, minute) || !c.eat(':') ||
      !c.number(2, second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  us += (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) * 1'000'000;

  if (c.eat('.')) {
    std::int64_t frac = 0;
    int digits = 0;
    while (!c.done() && cursor::digit(c.peek())) {
      if (++digits > 9) return std::nullopt;
      if (digits <= 6) frac = frac * 10 + (c.peek() - '0');
      c.skip();
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) frac *= 10;
    us += frac;
  }

  if (c.done()) return sys_us{microseconds{us}};
  if (c.eat('Z') || c.eat('z')) {
    if (!c.done()) return std::nullopt;
    return sys_us{microseconds{us}};
  }
  const char sign = c.peek();
  if (sign != '+' && sign != '-') return std::nullopt;
  c.skip();
  std::uint32_t off_h, off_m = 0;
  if (!c.number(2, off_h)) return std::nullopt;
  if (!c.done()) {
    c.eat(':');
    if (!c.number(2, off_m) || !c.done()) return std::nullopt;
  }
  if (off_h > 23 || off_m > 59) return std::nullopt;
  const std::int64_t offset_us = (static_cast<std::int64_t>(off_h) * 60 + off_m) * 60'000'000;
  // Local time = UTC + offset, so UTC = local - offset.
  us += sign == '+' ? -offset_us : offset_us;
  return sys_us{microseconds{us}};
}

}  // namespace gg
