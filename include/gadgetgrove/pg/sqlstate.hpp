#pragma once
// How PostgreSQL failures become gg::error values. Retry decisions for every database call in
// the program are made by is_retriable() below and nowhere else.

#include <gadgetgrove/core/result.hpp>

#include <string_view>

namespace gg::pg {

/// Whether an operation that failed with `sqlstate` (five characters, empty when libpq itself
/// reported the failure) may succeed when retried on a fresh transaction or connection.
/// `connection_lost` is true when the connection dropped, whatever the SQLSTATE.
/// Retriable: class 08 (connection exception), 53 (insufficient resources), 40001
/// (serialization failure), 40P01 (deadlock), 57P01..57P03 (shutdown, crash, cannot connect now).
bool is_retriable(std::string_view sqlstate, bool connection_lost) noexcept;

/// Builds the error for a failed call: errc::unavailable when the server or the connection is
/// gone or overloaded, errc::database otherwise; retriable per is_retriable(). The message reads
/// "<what>: <server message> (SQLSTATE <code>)".
error make_error(std::string_view what, std::string_view sqlstate, std::string_view message,
                 bool connection_lost);

}  // namespace gg::pg
