#include "statement_runner.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <charconv>
#include <memory>

namespace gg::transform {

namespace {

struct cancel_deleter {
  void operator()(PGcancel* c) const noexcept { PQfreeCancel(c); }
};

error cancelled_error() { return error{errc::cancelled, "cancelled"}; }

}  // namespace

template <class F>
auto statement_runner::cancellable(F&& run) -> decltype(run()) {
  if (stop_.stop_requested()) return cancelled_error();
  std::unique_ptr<PGcancel, cancel_deleter> cancel(
      conn_.native() == nullptr ? nullptr : PQgetCancel(conn_.native()));
  // The callback may run on the stopping thread while this one waits in libpq; the
  // stop_callback's destructor waits for a running callback, so `cancel` outlives it.
  std::stop_callback on_stop(stop_, [&] {
    if (cancel) {
      char buf[256];
      (void)PQcancel(cancel.get(), buf, sizeof buf);
    }
  });
  auto r = run();
  if (!r && stop_.stop_requested()) return cancelled_error();
  return r;
}

result<pg::query_result> statement_runner::exec(std::string_view sql,
                                                std::span<const pg::param_value> params) {
  return cancellable([&] { return conn_.exec(sql, params); });
}

status statement_runner::exec_script(std::string_view sql) {
  return cancellable([&]() -> status { return conn_.exec_script(sql); });
}

error locate_error(const error& e, std::string_view statement, std::size_t body_offset,
                   std::string_view body, std::string_view path) {
  if (e.code == errc::cancelled) return e;
  static constexpr std::string_view marker = "; at character ";
  const auto at = e.message.rfind(marker);
  std::string prefix = path.empty() ? std::string{} : std::string(path);
  if (at == std::string::npos) {
    return error{e.code, prefix.empty() ? e.message : prefix + ": " + e.message, e.retriable,
                 e.sqlstate};
  }
  std::size_t chars = 0;
  const char* digits = e.message.data() + at + marker.size();
  const char* end = e.message.data() + e.message.size();
  auto parsed = std::from_chars(digits, end, chars);
  if (parsed.ec != std::errc{} || chars == 0) {
    return error{e.code, prefix.empty() ? e.message : prefix + ": " + e.message, e.retriable,
                 e.sqlstate};
  }
  // The position counts characters, not bytes: walk UTF-8 lead bytes to find the byte offset.
  std::size_t byte = 0;
  for (std::size_t seen = 0; byte < statement.size(); ++byte) {
    if ((static_cast<unsigned char>(statement[byte]) & 0xC0) != 0x80 && ++seen == chars) break;
  }
  std::string message = e.message.substr(0, at) + std::string(parsed.ptr, end);
  if (byte < body_offset || byte >= body_offset + body.size()) {
    return error{e.code, (prefix.empty() ? "" : prefix + ": ") + message, e.retriable, e.sqlstate};
  }
  const std::size_t in_body = byte - body_offset;
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < in_body; ++i) {
    if (body[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  auto line_end = body.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = body.size();
  return error{
      e.code,
      fmt::format("{}{}compiled line {}: {}\n  {} | {}", prefix, prefix.empty() ? "" : ", ", line,
                  message, line, body.substr(line_start, line_end - line_start)),
      e.retriable, e.sqlstate};
}

}  // namespace gg::transform
