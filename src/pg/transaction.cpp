#include <gadgetgrove/pg/transaction.hpp>

#include <gadgetgrove/pg/connection.hpp>

#include <utility>

namespace gg::pg {

result<transaction> transaction::begin(connection& conn, const char* begin_sql) {
  if (auto s = conn.exec_script(begin_sql); !s) return s.error();
  return transaction(&conn);
}

transaction::transaction(transaction&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

transaction& transaction::operator=(transaction&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) (void)rollback();
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

transaction::~transaction() {
  if (conn_ != nullptr) (void)rollback();
}

status transaction::commit() {
  if (conn_ == nullptr) return error{errc::internal, "commit of a finished transaction"};
  return std::exchange(conn_, nullptr)->commit();
}

status transaction::rollback() {
  if (conn_ == nullptr) return {};
  connection* c = std::exchange(conn_, nullptr);
  if (!c->is_open()) return {};
  return c->rollback();
}

}  // namespace gg::pg
