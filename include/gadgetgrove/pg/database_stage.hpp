#pragma once
// The `pg` stage: the database every other stage uses, resolved one way.

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/pg/database_source.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace gg::pg {

/// What the database stage opens: an explicit conninfo (or the PG* variables), else the
/// embedded cluster of `data_dir`.
struct database_options {
  /// libpq conninfo or URL; empty: the PG* environment variables when one is set, else the
  /// embedded cluster.
  std::string url;
  /// The program's data directory, which holds the embedded cluster (cluster_options::data_dir).
  std::filesystem::path data_dir;
  /// The schema migrations applied at start (pg::migrate).
  std::filesystem::path migrations_dir;
  /// The embedded cluster's server binaries; empty: found the way cluster_options says.
  std::filesystem::path bin_dir;
  /// The user the embedded server runs as; empty: as cluster_options says.
  std::string run_as_user;
  /// The embedded server's TCP port; 0: the unix socket only.
  std::uint16_t port = 0;
  /// This process holds the data directory's lock (serve), so an embedded cluster found
  /// running is a leftover of a dead process (restart it), not another live instance's (use it).
  bool owns_data_dir = false;
  /// Connections in the shared pool; 0: the hardware threads plus two, at least four.
  std::size_t pool_size = 0;
  /// Where the shared pool registers its metrics (pool_options::metrics); null: the
  /// process-wide registry.
  metrics::registry* metrics = nullptr;
};

/// The `pg` stage: resolves and (for the embedded cluster) starts the database, applies pending
/// migrations, and owns the connection pool the other stages share. start(), request_stop()
/// and drain() run on the control thread (the embedded server is tied to the thread that
/// started it); health(), conninfo() and pool() are thread-safe once start() succeeded.
class database_stage final : public gg::stage, public database_source {
 public:
  explicit database_stage(database_options options);
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

  std::string conninfo() const override { return conninfo_; }
  pg::pool* pool() const noexcept override { return pool_.get(); }
  std::string masked_conninfo() const;
  bool embedded() const noexcept { return embedded_; }
  const migration_report& migrations() const noexcept { return report_; }

 private:
  database_options options_;
  bool embedded_ = false;
  std::string conninfo_;
  std::unique_ptr<embedded_cluster> cluster_;  // set when this process started it
  std::shared_ptr<pg::pool> pool_;  // shared with a running health check; guarded by health_mutex_
  migration_report report_;

  mutable std::mutex health_mutex_;
  gg::health health_{health_state::starting, "database not started"};
};

}  // namespace gg::pg
