#pragma once
// PostgreSQL for integration tests: one embedded cluster per test executable (started on first
// use in a unique /tmp directory, with fsync off for speed, stopped at exit), or the external
// server named by env GG_TEST_DATABASE_URL. Each test case takes a fresh database of its own.

#include <gadgetgrove/pg/connection.hpp>

#include <filesystem>
#include <string>

namespace gg::test {

/// conninfo of the server's maintenance database (where databases are created). Starts the
/// embedded cluster on first call; fails the running test when the server is unavailable.
const std::string& pg_server_conninfo();

/// Puts a ready-made, initdb'd cluster into <data_dir>/pg (creating data_dir), so that an
/// embedded_cluster on `data_dir` starts without running initdb. The cluster it copies is made
/// once per user and PostgreSQL build and kept in /tmp/gg-pg-template-<uid>-<build>, shared by
/// all test processes (delete it to force a fresh initdb). Fails the running test on error.
void pg_seed_cluster(const std::filesystem::path& data_dir);

/// sql/migrations of the source tree (env GG_SOURCE_DIR, else found from this file's path).
std::filesystem::path pg_migrations_dir();

/// A database created for one test case (CREATE DATABASE t_<pid>_<n>) and dropped, with any
/// connections still open to it, when the object goes away. Thread-safe to construct.
class pg_database {
 public:
  enum class schema {
    empty,     // as CREATE DATABASE makes it
    migrated,  // every migration of pg_migrations_dir() applied (copied from a template)
  };

  explicit pg_database(schema s = schema::empty);
  ~pg_database();
  pg_database(const pg_database&) = delete;
  pg_database& operator=(const pg_database&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& conninfo() const noexcept { return conninfo_; }
  /// A new connection to this database; fails the running test when it cannot connect.
  gg::pg::connection connect() const;

 private:
  std::string name_;
  std::string conninfo_;
};

}  // namespace gg::test
