#include <gadgetgrove/pg/connection.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/conninfo.hpp>
#include <gadgetgrove/pg/sqlstate.hpp>

#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace gg::pg {

namespace {

constexpr logger log{"pg"};

std::string_view field(const PGresult* res, int code) noexcept {
  const char* v = PQresultErrorField(res, code);
  return v == nullptr ? std::string_view{} : std::string_view{v};
}

// Server notices (e.g. "schema already exists, skipping") go to our log, not to stderr.
void on_notice(void*, const PGresult* res) {
  const std::string_view severity = field(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view message = field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (severity == "WARNING") {
    log.warn("PostgreSQL warning",
             {{"message", message}, {"sqlstate", field(res, PG_DIAG_SQLSTATE)}});
  } else {
    log.debug("PostgreSQL notice", {{"severity", severity}, {"message", message}});
  }
}

// The server's message with its detail and hint, which often name the offending value.
std::string server_message(const PGresult* res) {
  std::string out(field(res, PG_DIAG_MESSAGE_PRIMARY));
  if (out.empty()) out = PQresultErrorMessage(res);
  if (const auto detail = field(res, PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    out.append("; detail: ").append(detail);
  }
  if (const auto hint = field(res, PG_DIAG_MESSAGE_HINT); !hint.empty()) {
    out.append("; hint: ").append(hint);
  }
  if (const auto where = field(res, PG_DIAG_STATEMENT_POSITION); !where.empty()) {
    out.append("; at character ").append(where);
  }
  return out;
}

// Small statements with few parameters (the common case) need no heap allocation here.
template <class T, std::size_t N>
class small_buffer {
 public:
  explicit small_buffer(std::size_t n) {
    if (n > N) heap_ = std::make_unique<T[]>(n);
  }
  T* data() noexcept { return heap_ ? heap_.get() : inline_.data(); }

 private:
  std::array<T, N> inline_;
  std::unique_ptr<T[]> heap_;
};

}  // namespace

connection::connection(PGconn* conn, std::string masked) noexcept
    : conn_(conn), masked_conninfo_(std::move(masked)) {}

result<connection> connection::open(std::string conninfo) {
  // Later keywords win, so the caller's conninfo (expanded from "dbname") overrides these.
  const std::array<const char*, 4> keys{"connect_timeout", "fallback_application_name", "dbname",
                                        nullptr};
  const std::array<const char*, 4> values{"10", "gadgetgrove", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), 1);
  connection c(raw, mask_conninfo(conninfo));
  if (raw == nullptr) {
    return error{errc::unavailable, "connect to PostgreSQL: out of memory", true};
  }
  if (PQstatus(raw) != CONNECTION_OK) {
    // libpq echoes an unparsable conninfo whole, password included.
    return make_error("connect to PostgreSQL (" + c.masked_conninfo_ + ")", {},
                      mask_conninfo_in(PQerrorMessage(raw), conninfo), true);
  }
  PQsetNoticeReceiver(raw, &on_notice, nullptr);
  return c;
}

error connection::count(error e) noexcept {
  ++errors_;
  return e;
}

error connection::connection_error(std::string_view what) {
  const bool lost = !conn_ || PQstatus(conn_.get()) == CONNECTION_BAD;
  return count(make_error(what, {}, conn_ ? PQerrorMessage(conn_.get()) : "not connected", lost));
}

result<query_result> connection::take(PGresult* raw, std::string_view what) {
  query_result res(raw);
  if (raw == nullptr) return connection_error(what);
  switch (PQresultStatus(raw)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return res;
    case PGRES_COPY_IN:
      // exec() cannot feed a COPY; end it so the connection stays usable.
      PQputCopyEnd(conn_.get(), "COPY FROM STDIN needs connection::copy_in()");
      while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
      return count(error{errc::invalid_input, std::string(what) + ": use copy_in() for COPY"});
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
      // There is no reader for COPY TO STDOUT; the connection is left mid-protocol.
      conn_.reset();
      return count(
          error{errc::invalid_input, std::string(what) + ": COPY TO STDOUT is not supported"});
    default:
      break;
  }
  const bool lost = PQstatus(conn_.get()) == CONNECTION_BAD;
  return count(make_error(what, field(raw, PG_DIAG_SQLSTATE), server_message(raw), lost));
}

result<query_result> connection::exec(std::string_view sql, std::span<const param_value> params) {
  if (!is_open()) return connection_error("query");
  if (copy_active_) {
    return count(error{errc::internal, "query while a COPY is in progress on the connection"});
  }
  // libpq wants NUL-terminated text; one buffer holds the statement and every parameter.
  std::size_t total = sql.size() + 1;
  for (const auto& p : params) total += p ? p->size() + 1 : 0;
  small_buffer<char, 512> text(total);
  small_buffer<const char*, 16> values(params.size());
  char* out = text.data();
  const char* command = out;
  out += sql.copy(out, sql.size());
  *out++ = '\0';
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i]) {
      values.data()[i] = nullptr;
      continue;
    }
    values.data()[i] = out;
    out += params[i]->copy(out, params[i]->size());
    *out++ = '\0';
  }
  PGresult* res = PQexecParams(conn_.get(), command, static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  return take(res, "query");
}

status connection::exec_script(std::string_view sql) {
  if (!is_open()) return connection_error("script");
  if (copy_active_) {
    return count(error{errc::internal, "script while a COPY is in progress on the connection"});
  }
  const std::string text(sql);
  auto r = take(PQexec(conn_.get(), text.c_str()), "script");
  if (!r) return r.error();
  return {};
}

status connection::begin() { return exec_script("BEGIN"); }

status connection::commit() {
  auto r = exec("COMMIT");
  if (!r) return r.error();
  // COMMIT of a failed transaction "succeeds" with the tag ROLLBACK.
  if (std::string_view{PQcmdStatus(r->native())} == "ROLLBACK") {
    return count(error{errc::database, "commit: the transaction had failed and was rolled back"});
  }
  return {};
}

status connection::rollback() { return exec_script("ROLLBACK"); }

result<copy_writer> connection::copy_in(std::string_view copy_sql) {
  if (!is_open()) return connection_error("COPY");
  if (copy_active_) return count(error{errc::internal, "COPY while another COPY is in progress"});
  const std::string text(copy_sql);
  PGresult* raw = PQexecParams(conn_.get(), text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
  if (raw != nullptr && PQresultStatus(raw) == PGRES_COPY_IN) {
    PQclear(raw);
    copy_active_ = true;
    return copy_writer(this);
  }
  auto r = take(raw, "COPY");
  if (!r) return r.error();
  return count(error{errc::invalid_input, "COPY: the statement is not a COPY ... FROM STDIN"});
}

status connection::listen(std::string_view channel) {
  const bool plain =
      !channel.empty() && channel.size() < 64 &&
      (channel[0] == '_' || (channel[0] >= 'a' && channel[0] <= 'z')) &&
      channel.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos;
  if (!plain) {
    return count(error{errc::invalid_input, "LISTEN: channel '" + std::string(channel) +
                                                "' is not a plain lower-case identifier"});
  }
  return exec_script("LISTEN " + std::string(channel));
}

namespace {

// Moves every notification libpq has already parsed into `out`.
void drain_notifies(PGconn* conn, std::vector<notification>& out) {
  while (PGnotify* n = PQnotifies(conn)) {
    out.push_back(
        {n->relname, n->extra == nullptr ? std::string{} : std::string(n->extra), n->be_pid});
    PQfreemem(n);
  }
}

}  // namespace

result<std::vector<notification>> connection::wait_notifications(
    std::chrono::milliseconds timeout) {
  if (!is_open()) return connection_error("wait for notifications");
  std::vector<notification> out;
  drain_notifies(conn_.get(), out);
  const auto until = std::chrono::steady_clock::now() + timeout;
  // Readable does not mean a notification: the server may send a notice, or the error that
  // precedes closing the connection, whose end of file then arrives in a later read.
  while (out.empty()) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{PQsocket(conn_.get()), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return count(
          error{errc::io, std::string("wait for notifications: poll: ") + std::strerror(errno)});
    }
    if (ready <= 0) continue;
    if (PQconsumeInput(conn_.get()) == 0 || !is_open()) {
      return connection_error("wait for notifications");
    }
    drain_notifies(conn_.get(), out);
  }
  return out;
}

bool connection::is_open() const noexcept {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

bool connection::in_transaction() const noexcept {
  if (!conn_) return false;
  return copy_active_ || PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

}  // namespace gg::pg
