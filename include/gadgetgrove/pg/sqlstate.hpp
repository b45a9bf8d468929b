#pragma once
// How PostgreSQL failures become gg::error values. Retry decisions for every database call in
// the program are made here (is_retriable() and retry_of()) and nowhere else; callers read the
// SQLSTATE from gg::error::sqlstate, never from the message.

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <string_view>

namespace gg::pg {

/// Whether an operation that failed with `sqlstate` (five characters, empty when libpq itself
/// reported the failure) may succeed when retried on a fresh transaction or connection.
/// `connection_lost` is true when the connection dropped, whatever the SQLSTATE.
/// Retriable: class 08 (connection exception), 53 (insufficient resources), 40001
/// (serialization failure), 40P01 (deadlock), 57P01..57P03 (shutdown, crash, cannot connect now).
bool is_retriable(std::string_view sqlstate, bool connection_lost) noexcept;

/// Builds the error for a failed call: errc::unavailable when the server or the connection is
/// gone or overloaded, errc::database otherwise; retriable per is_retriable(); error::sqlstate
/// set. The message reads "<what>: <server message> (SQLSTATE <code>)".
error make_error(std::string_view what, std::string_view sqlstate, std::string_view message,
                 bool connection_lost);

/// How a failed database call may be retried.
enum class retry_scope : std::uint8_t {
  none,         // retrying the same thing fails the same way
  transaction,  // 40001 / 40P01: run the whole transaction again, the connection is fine
  connection,   // the server or the connection is gone or overloaded: retry later, reconnecting
};

/// The retry decision for an error a gg::pg call returned (any other error: none).
retry_scope retry_of(const error& e) noexcept;

/// Whether `e` is PostgreSQL refusing the data itself (class 22 data exception, 23 integrity
/// constraint, 54 program limit): other rows of the same statement may still be stored.
bool is_data_error(const error& e) noexcept;

}  // namespace gg::pg
