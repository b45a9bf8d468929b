#pragma once
// Applies the numbered SQL files of sql/migrations/ to a database.

#include <gadgetgrove/core/result.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace gg::pg {

class connection;

/// One migration file: NNNN_name.sql.
struct migration_file {
  int version = 0;
  std::string name;  // "initial" for 0001_initial.sql
  std::filesystem::path path;
};

struct migration_report {
  std::vector<migration_file> applied;
  std::vector<int> skipped;           // versions already applied earlier
  std::vector<std::string> warnings;  // e.g. an applied file whose contents changed
};

/// The migration files in `dir`, in version order. Other files are ignored; a .sql file not
/// named NNNN_name.sql or two files with one version are errc::config.
result<std::vector<migration_file>> list_migrations(const std::filesystem::path& dir);

/// Applies the files of `dir` not yet recorded in pipeline.schema_migrations, in version
/// order, each in its own transaction together with its row (version, name, checksum,
/// applied_at). A failing file rolls back and stops the run with an error naming the file and
/// the server's message. An applied file whose checksum changed is logged as a warning and
/// not re-applied. Concurrent migrators wait for each other (pg_advisory_xact_lock). Files must
/// not contain transaction control statements. Blocks; the connection must not be in a
/// transaction.
result<migration_report> migrate(connection& conn, const std::filesystem::path& dir);

}  // namespace gg::pg
