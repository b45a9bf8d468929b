#include <gadgetgrove/pg/pool.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/pg/conninfo.hpp>

#include <poll.h>

#include <string>
#include <utility>

namespace gg::pg {

namespace {

constexpr logger log{"pg"};

metrics::labels pool_labels(const pool_options& o) { return {{"pool", o.name}}; }

// An idle connection has nothing to read unless the server sent something on its own:
// usually the FATAL message and EOF of a shutdown or restart.
bool server_spoke(const connection& c) noexcept {
  pollfd p{PQsocket(c.native()), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

lease::lease(lease&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      slot_(other.slot_),
      conn_(std::exchange(other.conn_, nullptr)),
      discard_(other.discard_) {}

lease& lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    slot_ = other.slot_;
    conn_ = std::exchange(other.conn_, nullptr);
    discard_ = other.discard_;
  }
  return *this;
}

lease::~lease() { release(); }

void lease::release() noexcept {
  if (owner_ == nullptr) return;
  std::exchange(owner_, nullptr)->give_back(slot_, discard_);
  conn_ = nullptr;
}

namespace {

metrics::registry& registry_of(const pool_options& o) {
  return o.metrics != nullptr ? *o.metrics : metrics::global();
}

}  // namespace

pool::pool(pool_options options)
    : options_(std::move(options)),
      slots_(options_.size == 0 ? 1 : options_.size),
      size_gauge_(registry_of(options_).get_gauge("gadgetgrove_pg_pool_size_connections",
                                                  "Most connections the pool may open",
                                                  pool_labels(options_))),
      open_gauge_(registry_of(options_).get_gauge("gadgetgrove_pg_pool_open_connections",
                                                  "Connections currently open",
                                                  pool_labels(options_))),
      in_use_gauge_(registry_of(options_).get_gauge("gadgetgrove_pg_pool_in_use_connections",
                                                    "Connections currently leased",
                                                    pool_labels(options_))),
      wait_histogram_(registry_of(options_).get_histogram(
          "gadgetgrove_pg_pool_acquire_wait_seconds", "Time spent waiting for a free connection",
          metrics::latency_buckets(), pool_labels(options_))),
      reconnect_counter_(registry_of(options_).get_counter(
          "gadgetgrove_pg_pool_reconnects_total",
          "Connections re-opened after a failure or a server restart", pool_labels(options_))),
      timeout_counter_(registry_of(options_).get_counter(
          "gadgetgrove_pg_pool_acquire_timeouts_total",
          "acquire() calls that found no free connection in time", pool_labels(options_))) {
  options_.size = slots_.size();
  idle_.reserve(slots_.size());
  for (std::size_t i = slots_.size(); i-- > 0;) idle_.push_back(i);
  size_gauge_.set(static_cast<double>(slots_.size()));
}

pool::~pool() {
  std::lock_guard lock(mutex_);
  open_gauge_.sub(static_cast<double>(open_));
  for (auto& s : slots_) s.conn.reset();
}

status pool::prepare(slot& s) {
  if (s.conn && (!s.conn->is_open() || server_spoke(*s.conn))) {
    s.check = true;
  }
  if (s.conn && !s.check &&
      std::chrono::steady_clock::now() - s.returned_at >= options_.idle_check_after) {
    s.check = true;
  }
  if (s.conn && s.check) {
    if (s.conn->is_open() && s.conn->exec("SELECT 1")) {
      s.check = false;
      return {};
    }
    log.info("closing a pooled PostgreSQL connection that failed its health check",
             {{"pool", options_.name}});
    s.conn.reset();
    std::lock_guard lock(mutex_);
    --open_;
    open_gauge_.sub(1);
  }
  if (s.conn) return {};
  auto opened = connection::open(options_.conninfo);
  if (!opened) return opened.error();
  s.conn.emplace(std::move(*opened));
  s.check = false;
  std::lock_guard lock(mutex_);
  ++open_;
  open_gauge_.add(1);
  if (s.ever_open) {
    ++reconnects_;
    reconnect_counter_.inc();
    log.info("re-opened a pooled PostgreSQL connection", {{"pool", options_.name}});
  }
  s.ever_open = true;
  return {};
}

result<lease> pool::acquire(std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t index = 0;
  {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_until(lock, start + timeout, [&] { return !idle_.empty(); })) {
      ++timeouts_;
      timeout_counter_.inc();
      return error{errc::timeout,
                   "no PostgreSQL connection of pool '" + options_.name + "' became free within " +
                       std::to_string(timeout.count()) + " ms (all " +
                       std::to_string(slots_.size()) + " in use)",
                   true};
    }
    index = idle_.back();
    idle_.pop_back();
  }
  in_use_gauge_.add(1);
  wait_histogram_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  slot& s = slots_[index];
  if (auto ready = prepare(s); !ready) {
    give_back(index, false);
    return ready.error();
  }
  s.errors_at_lease = s.conn->error_count();
  return lease(this, index, &*s.conn);
}

void pool::give_back(std::size_t index, bool discard) noexcept {
  slot& s = slots_[index];
  if (s.conn) {
    connection& c = *s.conn;
    if (!discard && !c.copy_active() && c.is_open()) {
      const auto tx = PQtransactionStatus(c.native());
      if (tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR) {
        discard = !c.rollback();
      } else if (tx != PQTRANS_IDLE) {
        discard = true;
      }
    } else {
      discard = true;
    }
    if (!discard && c.error_count() != s.errors_at_lease) s.check = true;
  }
  s.returned_at = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (discard && s.conn) {
      s.conn.reset();
      --open_;
      open_gauge_.sub(1);
    }
    idle_.push_back(index);
  }
  in_use_gauge_.sub(1);
  freed_.notify_one();
}

pool_stats pool::stats() const {
  std::lock_guard lock(mutex_);
  return pool_stats{slots_.size(), open_, slots_.size() - idle_.size(), reconnects_, timeouts_};
}

}  // namespace gg::pg
