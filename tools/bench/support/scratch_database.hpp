#pragma once
// The throwaway database every benchmark starts from: a scratch directory (a new one under /tmp
// unless one is given), an embedded PostgreSQL cluster in it (unless a conninfo is given), one
// connection, and every migration applied. Header-only, shared by the benchmark programs.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/migrator.hpp>

#include <stdlib.h>

#include <cerrno>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace gg::bench {

/// Owns the scratch directory's cluster (stopped by close() or on destruction) and the
/// connection. Not thread-safe; one per benchmark run.
struct scratch_database {
  std::filesystem::path work;
  bool made_work = false;  // work was created here, so close() may remove it
  std::optional<pg::embedded_cluster> cluster;
  std::string conninfo;
  std::optional<pg::connection> conn;

  /// Closes the connection, stops the cluster and, unless `keep`, removes a directory made here.
  status close(bool keep) {
    conn.reset();
    if (cluster) {
      if (auto st = cluster->stop(); !st) return st;
      cluster.reset();
    }
    if (!keep && made_work) {
      std::error_code ec;
      std::filesystem::remove_all(work, ec);
    }
    return {};
  }
};

/// Makes the scratch directory (`work_dir`, or a new /tmp/<prefix>-XXXXXX; readable by others
/// so the embedded cluster's user can reach it), starts a cluster in <work>/pg unless `conninfo`
/// is given, connects and applies <sql_dir>/migrations. Blocks; errors say which step failed.
inline result<std::unique_ptr<scratch_database>> open_scratch_database(
    std::string_view prefix, const std::string& work_dir, const std::string& conninfo,
    const std::string& pg_bin_dir, const std::filesystem::path& sql_dir) {
  namespace fs = std::filesystem;
  auto db = std::make_unique<scratch_database>();
  db->work = work_dir;
  if (db->work.empty()) {
    std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return from_errno("mkdtemp " + tmpl, errno);
    db->work = tmpl;
    db->made_work = true;
  }
  std::error_code ec;
  fs::create_directories(db->work, ec);
  if (ec) return fail(errc::io, "create " + db->work.string() + ": " + ec.message());
  fs::permissions(db->work,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
  if (ec) return fail(errc::io, "chmod " + db->work.string() + ": " + ec.message());

  db->conninfo = conninfo;
  if (db->conninfo.empty()) {
    pg::cluster_options o;
    o.data_dir = db->work / "pg";
    o.bin_dir = pg_bin_dir;
    o.database = "bench";
    db->cluster.emplace(o);
    if (auto st = db->cluster->start(); !st) return st.error().with_context("start PostgreSQL");
    db->conninfo = db->cluster->conninfo();
  }
  auto conn = pg::connection::open(db->conninfo);
  if (!conn) return conn.error().with_context("connect");
  db->conn.emplace(std::move(*conn));
  if (auto r = db->conn->exec("SET client_min_messages = warning"); !r) return r.error();
  if (auto r = pg::migrate(*db->conn, sql_dir / "migrations"); !r) {
    return r.error().with_context("migrate");
  }
  return db;
}

}  // namespace gg::bench
