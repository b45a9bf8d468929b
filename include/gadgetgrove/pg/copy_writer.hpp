#pragma once
// The sending side of one COPY ... FROM STDIN.

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <string_view>

namespace gg::pg {

class connection;

/// Streams COPY data to the server. Obtained from connection::copy_in(); the connection must
/// outlive the writer and must not be moved or used for anything else until finish() or
/// abort() returns. Destroying an unfinished writer aborts the COPY. Not thread-safe.
class copy_writer {
 public:
  copy_writer(copy_writer&& other) noexcept;
  copy_writer& operator=(copy_writer&& other) noexcept;
  copy_writer(const copy_writer&) = delete;
  copy_writer& operator=(const copy_writer&) = delete;
  ~copy_writer();

  /// Queues `data` (any slice of the COPY stream; rows may span calls). Blocks while the
  /// socket cannot take more. An error ends the COPY: the writer is finished afterwards.
  status put(std::string_view data);
  /// Ends the stream and waits for the server's verdict: the number of rows copied, or the
  /// server's error (bad row, constraint, ...) with its SQLSTATE.
  result<std::uint64_t> finish();
  /// Makes the server discard the whole COPY, reporting `reason`. Succeeds when the server
  /// confirmed the abort; fails only when the connection itself failed.
  status abort(std::string_view reason);

  bool active() const noexcept { return conn_ != nullptr; }

 private:
  friend class connection;
  explicit copy_writer(connection* conn) noexcept : conn_(conn) {}
  status fail_stream(std::string_view what);

  connection* conn_ = nullptr;
};

}  // namespace gg::pg
