#include <gadgetgrove/pg/database_stage.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/conninfo.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace gg::pg {
namespace {

const gg::logger log{"pg"};

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

database_stage::database_stage(database_options options) : options_(std::move(options)) {}

database_stage::~database_stage() {
  pool_.reset();
  if (cluster_) (void)cluster_->stop();
}

std::string database_stage::masked_conninfo() const { return mask_conninfo(conninfo_); }

gg::status database_stage::start() {
  if (!options_.url.empty() || pg_environment_set()) {
    conninfo_ = options_.url;
    log.info("using external PostgreSQL", {{"conninfo", mask_conninfo(conninfo_)}});
  } else {
    embedded_ = true;
    const std::filesystem::path& data_dir = options_.data_dir;
    if (!options_.owns_data_dir && embedded_cluster::is_running(data_dir)) {
      // A running `serve` owns this cluster: use it without starting or stopping it.
      auto running = embedded_cluster::running_conninfo(data_dir);
      if (!running) return running.error();
      conninfo_ = *running;
      log.info("using the embedded PostgreSQL of the running instance",
               {{"data_dir", data_dir.string()}});
    } else {
      cluster_options opts;
      opts.data_dir = data_dir;
      opts.bin_dir = options_.bin_dir;
      opts.run_as_user = options_.run_as_user;
      opts.listen_port = options_.port;
      auto cluster = std::make_unique<embedded_cluster>(std::move(opts));
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
    auto conn = connection::open(conninfo_);
    if (!conn) return conn.error();
    auto report = migrate(*conn, options_.migrations_dir);
    if (!report) return report.error();
    report_ = std::move(*report);
    for (const auto& w : report_.warnings) log.warn(w);
  }

  pool_options popts;
  popts.conninfo = conninfo_;
  popts.metrics = options_.metrics;
  popts.size = options_.pool_size != 0
                   ? options_.pool_size
                   : std::max<std::size_t>(4, std::thread::hardware_concurrency() + 2);
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

}  // namespace gg::pg
