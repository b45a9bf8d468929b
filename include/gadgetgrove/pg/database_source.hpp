#pragma once
// Where a stage finds a database that is known only once another stage has started.

#include <gadgetgrove/pg/pool.hpp>

#include <string>

namespace gg::pg {

/// The database a stage uses, read at that stage's start(): the database stage resolves the
/// connection string (and perhaps starts the embedded server) only in its own start(), after
/// the stages that use it were built. Every stage that needs the database takes a source and
/// reads it in start(), never in its constructor. Thread safety: both calls are safe from any
/// thread once the source's own start() succeeded.
class database_source {
 public:
  virtual ~database_source() = default;

  /// The libpq conninfo, password included (never log it; see mask_conninfo()). Empty before
  /// the database is up.
  virtual std::string conninfo() const = 0;
  /// The connection pool the stages share; null before the database is up and once it closed.
  /// The pool lives until the source's stage drains, which is after every stage using it.
  virtual pg::pool* pool() const noexcept = 0;
};

/// A source for a database known from the start (tests and tools). Does not own the pool.
class fixed_database final : public database_source {
 public:
  explicit fixed_database(std::string conninfo, pg::pool* pool = nullptr)
      : conninfo_(std::move(conninfo)), pool_(pool) {}

  std::string conninfo() const override { return conninfo_; }
  pg::pool* pool() const noexcept override { return pool_; }

 private:
  std::string conninfo_;
  pg::pool* pool_;
};

}  // namespace gg::pg
