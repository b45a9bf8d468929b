#include "database.hpp"

#include <cstdint>

namespace gg::app {
namespace {

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

bool has_migrations(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "migrations", ec);
}

}  // namespace

gg::result<std::filesystem::path> resolve_sql_dir(const settings& s) {
  if (!s.sql_dir.empty()) {
    if (!has_migrations(s.sql_dir)) {
      return fail(errc::config, "--sql-dir " + s.sql_dir + " has no migrations/ folder");
    }
    return std::filesystem::absolute(s.sql_dir);
  }
  for (const std::filesystem::path& candidate :
       {executable_dir() / ".." / "share" / "gadgetgrove" / "sql",
        std::filesystem::path{GG_SQL_INSTALL_DIR}, std::filesystem::path{GG_SQL_SOURCE_DIR}}) {
    if (has_migrations(candidate)) return std::filesystem::weakly_canonical(candidate);
  }
  return fail(errc::config,
              "cannot find the sql/ folder (migrations); pass --sql-dir pointing at it");
}

gg::result<pg::database_options> database_options_for(const settings& s, bool owns_data_dir) {
  auto sql_dir = resolve_sql_dir(s);
  if (!sql_dir) return sql_dir.error();
  pg::database_options o;
  o.url = s.database_url;
  o.data_dir = s.data_dir;
  o.migrations_dir = *sql_dir / "migrations";
  o.bin_dir = s.pg_bin_dir;
  o.run_as_user = s.pg_user;
  o.port = static_cast<std::uint16_t>(s.pg_port);
  o.owns_data_dir = owns_data_dir;
  return o;
}

}  // namespace gg::app
