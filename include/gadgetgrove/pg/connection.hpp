#pragma once
// One libpq connection: parameterised statements, trusted scripts, transactions and COPY.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/copy_writer.hpp>
#include <gadgetgrove/pg/params.hpp>
#include <gadgetgrove/pg/query_result.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::pg {

/// One NOTIFY received on a LISTENing connection.
struct notification {
  std::string channel;
  std::string payload;
  int sender_pid = 0;  ///< the notifying backend's process id
};

/// An open, blocking connection to PostgreSQL. Every value reaches the server as an out-of-band
/// parameter (PQexecParams); only exec_script() sends SQL text as is, and only for trusted
/// files. Errors come back as gg::error (see sqlstate.hpp); after a dropped connection
/// is_open() turns false and the connection should be thrown away. Move-only; one thread at a
/// time (libpq connections are not shareable).
class connection {
 public:
  /// Connects with `conninfo` (key=value or URI form). Adds connect_timeout=10 and
  /// application_name=gadgetgrove unless `conninfo` sets them. Blocks until connected or
  /// failed; failure is errc::unavailable (retriable) with the password masked in the message.
  static result<connection> open(std::string conninfo);

  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() = default;

  /// Runs one statement with text parameters ($1, $2, ...; std::nullopt is NULL).
  result<query_result> exec(std::string_view sql, std::span<const param_value> params);

  /// Runs one statement, converting each argument (see params.hpp): exec("... $1 ...", 42).
  template <class... Args>
  requires(text_param<Args>&&...) result<query_result> exec(std::string_view sql,
                                                            const Args&... args) {
    const param_list<sizeof...(Args)> params(args...);
    return exec(sql, params.values());
  }

  /// Runs several ';'-separated statements through the simple query protocol. For trusted
  /// files (migrations) only: it takes no parameters and must never contain values.
  status exec_script(std::string_view sql);

  status begin();
  status commit();
  status rollback();

  /// Starts `copy_sql` (a COPY ... FROM STDIN statement) and returns the writer for its data.
  result<copy_writer> copy_in(std::string_view copy_sql);

  /// Subscribes this connection to `channel` (LISTEN). The name must be a plain lower-case
  /// identifier ([a-z_][a-z0-9_]*, under 64 bytes): LISTEN takes no parameters, so anything else
  /// is refused (errc::invalid_input) rather than quoted.
  status listen(std::string_view channel);

  /// Waits up to `timeout` for notifications on the channels this connection listens to and
  /// returns those that arrived (empty after a quiet timeout). Notifications already read with
  /// an earlier statement's reply are returned at once. Errors: the connection was lost
  /// (retriable). Not inside a transaction: the server delivers NOTIFY between transactions.
  result<std::vector<notification>> wait_notifications(std::chrono::milliseconds timeout);

  /// False once the connection is known to be broken.
  bool is_open() const noexcept;
  /// True inside a transaction block (also an aborted one), or while a COPY is running.
  bool in_transaction() const noexcept;
  bool copy_active() const noexcept { return copy_active_; }
  /// Number of failed calls so far (a pool checks a connection's health after one).
  std::uint64_t error_count() const noexcept { return errors_; }
  /// The conninfo this connection was opened with, password masked.
  const std::string& masked_conninfo() const noexcept { return masked_conninfo_; }

  PGconn* native() const noexcept { return conn_.get(); }

 private:
  friend class copy_writer;
  struct deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  connection(PGconn* conn, std::string masked) noexcept;

  /// Turns a finished PGresult into a query_result or the error it carries.
  result<query_result> take(PGresult* res, std::string_view what);
  error connection_error(std::string_view what);
  error count(error e) noexcept;

  std::unique_ptr<PGconn, deleter> conn_;
  std::string masked_conninfo_;
  bool copy_active_ = false;
  std::uint64_t errors_ = 0;
};

}  // namespace gg::pg
