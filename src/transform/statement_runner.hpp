#pragma once
// Runs the statements of one node on one connection so that a stop request cancels the one in
// flight, and so that a failure names the line of the compiled SQL it happened on.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <span>
#include <stop_token>
#include <string>
#include <string_view>

namespace gg::transform {

/// Borrowed by one worker thread for the length of a run; not thread-safe itself, but the stop
/// token may be triggered from any thread: the statement then in flight is cancelled with
/// PQcancel (the cancel object is taken before the statement is sent) and the call returns
/// errc::cancelled. Once a stop was requested no further statement is sent.
class statement_runner {
 public:
  statement_runner(pg::connection& conn, std::stop_token stop) : conn_(conn), stop_(stop) {}

  /// One statement with bound parameters.
  result<pg::query_result> exec(std::string_view sql, std::span<const pg::param_value> params = {});
  template <class... Args>
  requires(sizeof...(Args) > 0 &&
           (pg::text_param<Args> && ...)) result<pg::query_result> exec(std::string_view sql,
                                                                        const Args&... args) {
    const pg::param_list<sizeof...(Args)> params(args...);
    return exec(sql, params.values());
  }
  /// Several statements (hooks written by the project's author); no parameters.
  status exec_script(std::string_view sql);

  bool stop_requested() const noexcept { return stop_.stop_requested(); }
  pg::connection& connection() noexcept { return conn_; }

 private:
  template <class F>
  auto cancellable(F&& run) -> decltype(run());

  pg::connection& conn_;
  std::stop_token stop_;
};

/// Rewrites the error of a statement that embedded `body` (the compiled SQL of `path`) at byte
/// offset `body_offset` of `statement`: PostgreSQL's "at character N" becomes the line of the
/// compiled SQL and that line's text, e.g. "models/x.sql, compiled line 3: syntax error at or
/// near "form"\n  3 | select a form b". Other errors get the path prefixed.
error locate_error(const error& e, std::string_view statement, std::size_t body_offset,
                   std::string_view body, std::string_view path);

}  // namespace gg::transform
