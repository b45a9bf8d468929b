#pragma once
// The database every subcommand uses, resolved one way: an explicit URL (or the PG* variables),
// else the embedded cluster of the data directory — used as it is when a running `serve` holds
// it, otherwise started for as long as this process needs it.

#include "settings.hpp"

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace gg::app {

/// The folder with migrations/ and models/: --sql-dir, else the installed share/gadgetgrove/sql
/// next to the binary, else the source tree the binary was built from.
gg::result<std::filesystem::path> resolve_sql_dir(const settings& s);

/// The `pg` stage: resolves and (for the embedded cluster) starts the database, applies pending
/// migrations, and owns the connection pool the other stages share. start(), request_stop()
/// and drain() run on the control thread (the embedded server is tied to the thread that
/// started it); health() and pool() are thread-safe once start() succeeded.
class database_stage final : public gg::stage {
 public:
  /// `owns_data_dir`: this process holds the serve lock, so an embedded cluster found running
  /// is a leftover of a dead process (restart it), not another live instance's (use it).
  database_stage(const settings& s, bool owns_data_dir);
  ~database_stage() override;

  std::string_view name() const noexcept override { return "pg"; }
  gg::status start() override;
  void request_stop() override {}
  gg::status drain(gg::deadline until) override;
  /// The state of the last check (refresh_health); never blocks, so /readyz handlers on I/O
  /// threads can call it.
  gg::health health() const override;
  /// Checks the database with SELECT 1 through the pool (blocks up to about a second); serve runs
  /// it as a periodic job on the blocking pool.
  void refresh_health();

  pg::pool& pool() noexcept { return *pool_; }
  /// The conninfo in use, password included (never log it; use masked_conninfo()).
  const std::string& conninfo() const noexcept { return conninfo_; }
  std::string masked_conninfo() const;
  bool embedded() const noexcept { return embedded_; }
  const pg::migration_report& migrations() const noexcept { return report_; }

 private:
  settings settings_;
  bool owns_data_dir_;
  bool embedded_ = false;
  std::string conninfo_;
  std::unique_ptr<pg::embedded_cluster> cluster_;  // set when this process started it
  std::shared_ptr<pg::pool> pool_;  // shared with a running health check; guarded by health_mutex_
  pg::migration_report report_;

  mutable std::mutex health_mutex_;
  gg::health health_{health_state::starting, "database not started"};
};

}  // namespace gg::app
