#include "database.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/conninfo.hpp>

#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace gg::app {
namespace {

const gg::logger log{"pg"};

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

bool has_migrations(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "migrations", ec);
}

// libpq reads these itself; when one is set and no URL was given, the operator has pointed us
// at a server the standard way.
bool pg_environment_set() {
  for (const char* name : {"PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE", "PGPORT"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return true;
  }
  return false;
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

database_stage::database_stage(const settings& s, bool owns_data_dir)
    : settings_(s), owns_data_dir_(owns_data_dir) {}

database_stage::~database_stage() {
  pool_.reset();
  if (cluster_) (void)cluster_->stop();
}

std::string database_stage::masked_conninfo() const { return pg::mask_conninfo(conninfo_); }

gg::status database_stage::start() {
  auto sql_dir = resolve_sql_dir(settings_);
  if (!sql_dir) return sql_dir.error();

  if (!settings_.database_url.empty() || pg_environment_set()) {
    conninfo_ = settings_.database_url;
    log.info("using external PostgreSQL", {{"conninfo", pg::mask_conninfo(conninfo_)}});
  } else {
    embedded_ = true;
    std::filesystem::path data_dir = settings_.data_dir;
    if (!owns_data_dir_ && pg::embedded_cluster::is_running(data_dir)) {
      // A running `serve` owns this cluster: use it without starting or stopping it.
      auto running = pg::embedded_cluster::running_conninfo(data_dir);
      if (!running) return running.error();
      conninfo_ = *running;
      log.info("using the embedded PostgreSQL of the running instance",
               {{"data_dir", data_dir.string()}});
    } else {
      pg::cluster_options opts;
      opts.data_dir = data_dir;
      opts.bin_dir = settings_.pg_bin_dir;
      opts.run_as_user = settings_.pg_user;
      opts.listen_port = static_cast<std::uint16_t>(settings_.pg_port);
      auto cluster = std::make_unique<pg::embedded_cluster>(std::move(opts));
      auto t0 = std::chrono::steady_clock::now();
      if (auto st = cluster->start(); !st) return st.error();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
      log.info("embedded PostgreSQL ready",
               {{"data_dir", data_dir.string()}, {"pid", cluster->pid()}, {"ms", ms}});
      conninfo_ = cluster->conninfo();
      cluster_ = std::move(cluster);
    }
  }

  {
    auto conn = pg::connection::open(conninfo_);
    if (!conn) return conn.error();
    auto report = pg::migrate(*conn, *sql_dir / "migrations");
    if (!report) return report.error();
    report_ = std::move(*report);
    for (const auto& w : report_.warnings) log.warn(w);
  }

  pg::pool_options popts;
  popts.conninfo = conninfo_;
  popts.size = std::max(4u, std::thread::hardware_concurrency() + 2);
  std::lock_guard lock(health_mutex_);
  pool_ = std::make_shared<pg::pool>(std::move(popts));
  health_ = {health_state::up, {}};
  return {};
}

gg::status database_stage::drain(gg::deadline until) {
  // Stages that use the pool have drained before this one (reverse start order).
  {
    std::lock_guard lock(health_mutex_);
    health_ = {health_state::stopped, "shutting down"};
    pool_.reset();
  }
  if (cluster_) {
    // Past the deadline the server gets an immediate shutdown: the next start replays the WAL.
    auto st = cluster_->stop(until);
    cluster_.reset();
    if (!st) return st.error();
    log.info("embedded PostgreSQL stopped");
  }
  return {};
}

gg::health database_stage::health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void database_stage::refresh_health() {
  std::shared_ptr<pg::pool> pool;
  {
    std::lock_guard lock(health_mutex_);
    pool = pool_;
  }
  gg::health h{health_state::up, {}};
  if (!pool) {
    h = {health_state::stopped, "database closed"};
  } else if (auto lease = pool->acquire(std::chrono::seconds(1)); !lease) {
    h = {health_state::down, "database unreachable: " + lease.error().message};
  } else if (auto r = (*lease)->exec("SELECT 1"); !r) {
    h = {health_state::down, "database error: " + r.error().message};
  }
  std::lock_guard lock(health_mutex_);
  if (h.state != health_.state) {
    if (h.ready())
      log.info("database reachable again");
    else
      log.warn("database check failed", {{"detail", h.detail}});
  }
  health_ = std::move(h);
}

}  // namespace gg::app
