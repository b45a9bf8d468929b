#pragma once
// A bounded set of connections shared by the threads of one process.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gg::metrics {
class counter;
class gauge;
class histogram;
class registry;
}  // namespace gg::metrics

namespace gg::pg {

struct pool_options {
  std::string conninfo;
  /// Most connections open at once; acquire() waits when all are leased.
  std::size_t size = 4;
  /// A connection idle longer than this is checked with SELECT 1 before it is handed out.
  std::chrono::milliseconds idle_check_after{30'000};
  /// Label of the pool's metrics (pool="<name>").
  std::string name = "main";
  /// Where the pool registers its metrics; null: the process-wide metrics::global(). Must
  /// outlive the pool.
  metrics::registry* metrics = nullptr;
};

class pool;

/// Exclusive use of one pooled connection; returns it to the pool when destroyed. Move-only;
/// the pool must outlive it. A connection returned broken, mid-COPY or in an unknown state is
/// closed and replaced on a later acquire; one left inside a transaction is rolled back.
class lease {
 public:
  lease(lease&& other) noexcept;
  lease& operator=(lease&& other) noexcept;
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease();

  connection& operator*() const noexcept { return *conn_; }
  connection* operator->() const noexcept { return conn_; }
  /// Closes the connection instead of returning it (its state is not to be trusted).
  void discard() noexcept { discard_ = true; }

 private:
  friend class pool;
  lease(pool* owner, std::size_t slot, connection* conn) noexcept
      : owner_(owner), slot_(slot), conn_(conn) {}
  void release() noexcept;

  pool* owner_ = nullptr;
  std::size_t slot_ = 0;
  connection* conn_ = nullptr;
  bool discard_ = false;
};

/// Snapshot of a pool's counters.
struct pool_stats {
  std::size_t size = 0;    // configured maximum
  std::size_t open = 0;    // connections currently open
  std::size_t in_use = 0;  // leases outstanding
  std::uint64_t reconnects = 0;
  std::uint64_t timeouts = 0;
};

/// A bounded connection pool. Connections are opened lazily, health-checked (SELECT 1) after
/// an error, after a long idle time or when the server has closed them, and re-opened after
/// the server restarts. All members are thread-safe; acquire() blocks the calling thread.
/// Metrics: gadgetgrove_pg_pool_{size,open,in_use}_connections, _acquire_wait_seconds,
/// _reconnects_total and _acquire_timeouts_total, labelled pool="<name>".
class pool {
 public:
  explicit pool(pool_options options);
  /// All leases must have been returned.
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Waits up to `timeout` for a free connection, opening or re-opening it as needed.
  /// errc::timeout (retriable) when none frees up; errc::unavailable (retriable) when the
  /// server cannot be reached.
  result<lease> acquire(std::chrono::milliseconds timeout);

  pool_stats stats() const;
  const pool_options& options() const noexcept { return options_; }

 private:
  friend class lease;
  struct slot {
    std::optional<connection> conn;
    std::chrono::steady_clock::time_point returned_at{};
    std::uint64_t errors_at_lease = 0;
    bool check = false;  // run SELECT 1 before the next lease
    bool ever_open = false;
  };

  status prepare(slot& s);
  void give_back(std::size_t index, bool discard) noexcept;

  pool_options options_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<slot> slots_;
  std::vector<std::size_t> idle_;  // stack: the most recently used connection goes out first
  std::size_t open_ = 0;
  std::uint64_t reconnects_ = 0;
  std::uint64_t timeouts_ = 0;

  metrics::gauge& size_gauge_;
  metrics::gauge& open_gauge_;
  metrics::gauge& in_use_gauge_;
  metrics::histogram& wait_histogram_;
  metrics::counter& reconnect_counter_;
  metrics::counter& timeout_counter_;
};

}  // namespace gg::pg
