#pragma once
// A transaction block that rolls back unless committed.

#include <gadgetgrove/core/result.hpp>

namespace gg::pg {

class connection;

/// RAII transaction: begin() sends BEGIN, commit() sends COMMIT, and destruction without a
/// successful commit() sends ROLLBACK (errors ignored: a broken connection rolls back by
/// itself). The connection must outlive the transaction. Not thread-safe.
class transaction {
 public:
  /// Sends BEGIN, or `begin_sql` (e.g. "BEGIN ISOLATION LEVEL SERIALIZABLE"; trusted text).
  static result<transaction> begin(connection& conn, const char* begin_sql = "BEGIN");

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&& other) noexcept;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  /// Commits. A failed COMMIT (e.g. a deferred constraint) has already rolled back.
  status commit();
  status rollback();
  bool active() const noexcept { return conn_ != nullptr; }

 private:
  explicit transaction(connection* conn) noexcept : conn_(conn) {}
  connection* conn_ = nullptr;
};

}  // namespace gg::pg
