#include <gadgetgrove/pg/copy_writer.hpp>

#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/sqlstate.hpp>

#include <poll.h>

#include <cerrno>
#include <climits>
#include <string>
#include <utility>

namespace gg::pg {

namespace {

// In non-blocking mode libpq returns 0 when its buffer is full; wait for the socket.
void wait_writable(PGconn* conn) {
  pollfd p{PQsocket(conn), POLLOUT, 0};
  while (::poll(&p, 1, 1000) < 0 && errno == EINTR) {
  }
}

}  // namespace

copy_writer::copy_writer(copy_writer&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

copy_writer& copy_writer::operator=(copy_writer&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) (void)abort("COPY writer replaced");
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

copy_writer::~copy_writer() {
  if (conn_ != nullptr) (void)abort("COPY writer destroyed before finish()");
}

status copy_writer::fail_stream(std::string_view what) {
  connection* c = std::exchange(conn_, nullptr);
  c->copy_active_ = false;
  PGconn* pq = c->native();
  error first = c->connection_error(what);
  // Collect the server's verdict (it usually explains the failure better than libpq does).
  for (int i = 0; i < 8; ++i) {
    PGresult* r = PQgetResult(pq);
    if (r == nullptr) return first;
    const auto st = PQresultStatus(r);
    if (st == PGRES_COPY_IN) {
      PQclear(r);
      if (PQputCopyEnd(pq, "COPY abandoned after an error") < 0) break;
      continue;
    }
    auto taken = c->take(r, what);
    if (!taken) first = taken.error();
  }
  return first;
}

status copy_writer::put(std::string_view data) {
  if (conn_ == nullptr) return error{errc::internal, "COPY put() after the COPY ended"};
  PGconn* pq = conn_->native();
  while (!data.empty()) {
    const std::size_t n = std::min<std::size_t>(data.size(), INT_MAX / 2);
    const int r = PQputCopyData(pq, data.data(), static_cast<int>(n));
    if (r == 1) {
      data.remove_prefix(n);
    } else if (r == 0) {
      wait_writable(pq);
    } else {
      return fail_stream("COPY data");
    }
  }
  return {};
}

result<std::uint64_t> copy_writer::finish() {
  if (conn_ == nullptr) return error{errc::internal, "COPY finish() after the COPY ended"};
  PGconn* pq = conn_->native();
  int r = 0;
  while ((r = PQputCopyEnd(pq, nullptr)) == 0) wait_writable(pq);
  if (r < 0) return fail_stream("COPY end").error();
  connection* c = std::exchange(conn_, nullptr);
  c->copy_active_ = false;
  result<std::uint64_t> out = std::uint64_t{0};
  bool first = true;
  while (PGresult* raw = PQgetResult(pq)) {
    auto taken = c->take(raw, "COPY");
    if (!first) continue;
    first = false;
    if (taken) {
      out = taken->affected_rows();
    } else {
      out = taken.error();
    }
  }
  if (first) return c->connection_error("COPY");
  return out;
}

status copy_writer::abort(std::string_view reason) {
  if (conn_ == nullptr) return {};
  PGconn* pq = conn_->native();
  const std::string why(reason);
  int r = 0;
  while ((r = PQputCopyEnd(pq, why.c_str())) == 0) wait_writable(pq);
  connection* c = std::exchange(conn_, nullptr);
  c->copy_active_ = false;
  if (r < 0) return c->connection_error("COPY abort");
  status out;
  while (PGresult* raw = PQgetResult(pq)) {
    // The expected answer is ERROR 57014 "COPY from stdin failed: <reason>".
    const std::string_view sqlstate = [&] {
      const char* s = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      return s == nullptr ? std::string_view{} : std::string_view{s};
    }();
    if (sqlstate == "57014") {
      PQclear(raw);
      continue;
    }
    auto taken = c->take(raw, "COPY abort");
    if (!taken && out) out = taken.error();
  }
  if (!c->is_open()) return c->connection_error("COPY abort");
  return out;
}

}  // namespace gg::pg
