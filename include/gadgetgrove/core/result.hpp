#pragma once
// The error type and result aliases every stage returns. Exceptions are for start-up only
// (config and CLI); everything past that reports failure through these types.

#include <boost/system/result.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace gg {

/// What went wrong, in terms a caller can act on.
enum class errc {
  invalid_input,  // the caller's data is wrong; retrying the same thing fails again
  not_found,
  conflict,     // already exists, already running, lock held
  unavailable,  // a dependency is down or overloaded; retrying later may work
  io,           // a file or socket operation failed
  no_space,     // ENOSPC / EDQUOT: stop accepting, retry when space returns
  database,     // PostgreSQL reported an error (error::sqlstate says which)
  timeout,
  cancelled,
  config,
  internal,
};

std::string_view to_string(errc code) noexcept;

/// An error: a code to branch on, a message for people, and whether retrying can help. An error
/// PostgreSQL reported also carries its SQLSTATE, so callers branch on the field, never on text.
struct error {
  errc code = errc::internal;
  std::string message;
  bool retriable = false;
  std::string sqlstate;  // five characters when the database reported the failure, else empty

  error() = default;
  error(errc c, std::string msg, bool retry = false)
      : code(c), message(std::move(msg)), retriable(retry) {}
  error(errc c, std::string msg, bool retry, std::string state)
      : code(c), message(std::move(msg)), retriable(retry), sqlstate(std::move(state)) {}

  bool is_retriable() const noexcept { return retriable; }

  /// The same error (code, retry decision, SQLSTATE) with `context` and ": " before its message.
  error with_context(std::string_view context) const {
    error out = *this;
    out.message.insert(0, ": ");
    out.message.insert(0, context);
    return out;
  }
};

/// "<code>: <message>", so test frameworks and logs can print an error or a result holding one.
std::ostream& operator<<(std::ostream& os, const error& e);

/// Lets boost::system::result<T, error>::value() throw on an error (start-up code only).
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;
using status = boost::system::result<void, error>;

/// Builds an error result; `return gg::fail(errc::io, "...")` works for any result<T>.
inline error fail(errc code, std::string message, bool retriable = false) {
  return error{code, std::move(message), retriable};
}

/// The message of errno `err` prefixed by `what`, e.g. "open /x: No such file or directory".
error from_errno(std::string_view what, int err);

}  // namespace gg
