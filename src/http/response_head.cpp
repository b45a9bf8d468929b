#include "response_head.hpp"

#include <gadgetgrove/core/time.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>

namespace gg::http::detail {

namespace {

bool is_token_char(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  static constexpr std::string_view others = "!#$%&'*+-.^_`|~";
  return c != 0 && others.find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_field(const header& h) noexcept {
  if (h.name.empty()) return false;
  for (const char c : h.name) {
    if (!is_token_char(static_cast<unsigned char>(c))) return false;
  }
  for (const char c : h.value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool server_owned(std::string_view name) noexcept {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || iequals(name, "date") || iequals(name, "keep-alive");
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_number(std::string& out, std::size_t n) {
  std::array<char, 24> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), n);
  out.append(buf.data(), res.ptr);
}

void two_digits(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string_view http_date_now() {
  static constexpr const char* days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::int64_t cached_second = -1;
  thread_local std::array<char, 29> text{};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  if (now != cached_second) {
    cached_second = now;
    const std::int64_t day = now >= 0 ? now / 86400 : (now - 86399) / 86400;
    const auto secs = static_cast<unsigned>(now - day * 86400);
    const civil_date date = civil_from_days(day);
    // 1970-01-01 was a Thursday.
    const auto weekday = static_cast<std::size_t>(((day % 7) + 7) % 7);
    char* p = text.data();
    std::copy_n(days[weekday], 3, p);
    p[3] = ',';
    p[4] = ' ';
    two_digits(p + 5, date.day);
    p[7] = ' ';
    std::copy_n(months[(date.month - 1) % 12], 3, p + 8);
    p[11] = ' ';
    const auto year = static_cast<unsigned>(std::clamp(date.year, 0, 9999));
    two_digits(p + 12, year / 100);
    two_digits(p + 14, year % 100);
    p[16] = ' ';
    two_digits(p + 17, secs / 3600);
    p[19] = ':';
    two_digits(p + 20, secs / 60 % 60);
    p[22] = ':';
    two_digits(p + 23, secs % 60);
    std::copy_n(" GMT", 4, p + 25);
  }
  return {text.data(), text.size()};
}

std::size_t append_response_head(std::string& out, const response& r, const head_context& ctx,
                                 std::size_t* dropped) {
  std::size_t removed = 0;
  const unsigned status = r.status >= 200 && r.status <= 599 ? r.status : 500;
  out.append("HTTP/1.1 ");
  append_number(out, status);
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
  for (const header& h : r.headers) {
    if (!valid_field(h) || server_owned(h.name)) {
      ++removed;
      continue;
    }
    append_field(out, h.name, h.value);
  }
  if (ctx.default_headers != nullptr) {
    for (const header& h : *ctx.default_headers) {
      if (!r.header(h.name) && valid_field(h) && !server_owned(h.name)) {
        append_field(out, h.name, h.value);
      }
    }
  }
  append_field(out, "Date", http_date_now());
  // 204 and 304 carry no body, and a 204 must not even announce one (RFC 9110 8.6).
  const bool bodyless = status == 204 || status == 304;
  if (!bodyless) {
    out.append("Content-Length: ");
    append_number(out, r.body.size());
    out.append("\r\n");
  }
  if (ctx.close) {
    out.append("Connection: close\r\n");
  } else if (ctx.request_version < 11) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (dropped != nullptr) *dropped = removed;
  return bodyless || ctx.head_request ? 0 : r.body.size();
}

}  // namespace gg::http::detail
