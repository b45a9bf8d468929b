#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/loader/report.hpp>
#include <gadgetgrove/pg/pool.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include "segment_loader.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace gg::loader {
namespace {

constexpr logger log{"loader"};

using steady = std::chrono::steady_clock;

// Replay reads and commits rejected lines in batches of this many.
constexpr int replay_batch_rows = 1000;

std::vector<std::string> queue_names() {
  std::vector<std::string> names;
  for (const auto q : eventlog::all_queues) names.emplace_back(eventlog::to_string(q));
  return names;
}

load_summary empty_summary() {
  load_summary s;
  s.run_id = uuid_v7().to_string();
  s.started = now_us();
  for (const auto q : eventlog::all_queues) s.queues.push_back({std::string{to_string(q)}});
  return s;
}

std::size_t queue_index(std::string_view queue) {
  const auto q = eventlog::parse_queue_id(queue);
  return q ? eventlog::index_of(*q) : 0;
}

// Per-queue and per-reason metric objects, registered once per process.
struct loader_metrics {
  std::vector<metrics::counter*> rows;
  std::vector<metrics::counter*> bytes;
  std::vector<metrics::counter*> segments;
  metrics::counter& failures;
  metrics::counter& replayed;
  metrics::gauge& pending;
  metrics::gauge& lag;
  metrics::histogram& copy_seconds;

  loader_metrics()
      : failures(metrics::global().get_counter(
            "gadgetgrove_loader_segment_failures_total",
            "Segment load attempts that failed and left the segment for a later run")),
        replayed(metrics::global().get_counter("gadgetgrove_loader_replayed_rows_total",
                                               "Rejected lines loaded by a replay")),
        pending(metrics::global().get_gauge("gadgetgrove_loader_segments_pending",
                                            "Sealed segments waiting in log/ at the last scan")),
        lag(metrics::global().get_gauge(
            "gadgetgrove_loader_lag_seconds",
            "Age of the oldest unloaded segment (since its first event) at the last scan")),
        copy_seconds(metrics::global().get_histogram("gadgetgrove_loader_copy_duration_seconds",
                                                     "Time to load one segment, BEGIN to COMMIT",
                                                     metrics::latency_buckets())) {
    auto& reg = metrics::global();
    for (const auto q : eventlog::all_queues) {
      const metrics::labels l{{"queue", std::string{to_string(q)}}};
      rows.push_back(&reg.get_counter("gadgetgrove_loader_rows_total",
                                      "Rows committed to raw_data per queue", l));
      bytes.push_back(
          &reg.get_counter("gadgetgrove_loader_bytes_total", "Segment bytes loaded per queue", l));
      segments.push_back(
          &reg.get_counter("gadgetgrove_loader_segments_total", "Segments loaded per queue", l));
    }
  }

  static loader_metrics& get() {
    static loader_metrics m;
    return m;
  }

  void count_rejects(const std::map<std::string, std::uint64_t>& by_reason) {
    for (const auto& [reason, n] : by_reason) {
      metrics::global()
          .get_counter("gadgetgrove_loader_rejects_total", "Lines rejected, by reason",
                       {{"reason", reason}})
          .inc(n);
    }
  }
};

std::string fmt_retry(std::uint64_t failed, const std::string& reason,
                      std::chrono::milliseconds backoff) {
  return fmt::format("{} segment(s) not loaded, retrying in {:.1f} s: {}", failed,
                     static_cast<double>(backoff.count()) / 1000.0, reason);
}

status write_artifact(pg::connection& conn, const artifact& a) {
  auto r = conn.exec(
      "INSERT INTO pipeline.artifacts (flow, run_id, kind, key, title, body, data) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
      a.flow, a.run_id, a.kind, a.key, a.title, a.body, a.data);
  if (!r) return r.error();
  return {};
}

}  // namespace

namespace {

std::uint64_t total(const std::vector<queue_load>& queues,
                    std::uint64_t queue_load::*field) noexcept {
  std::uint64_t n = 0;
  for (const auto& q : queues) n += q.*field;
  return n;
}

}  // namespace

std::uint64_t load_summary::segments() const noexcept {
  return total(queues, &queue_load::segments);
}
std::uint64_t load_summary::rows() const noexcept { return total(queues, &queue_load::rows); }
std::uint64_t load_summary::rejected() const noexcept {
  return total(queues, &queue_load::rejected);
}
std::uint64_t load_summary::bytes() const noexcept { return total(queues, &queue_load::bytes); }
double load_summary::rows_per_second() const noexcept {
  return seconds > 0 ? static_cast<double>(rows()) / seconds : 0.0;
}

void load_summary::merge(const load_summary& other) {
  for (const auto& oq : other.queues) {
    auto it = std::find_if(queues.begin(), queues.end(),
                           [&](const queue_load& q) { return q.queue == oq.queue; });
    if (it == queues.end()) {
      queues.push_back(oq);
      continue;
    }
    it->segments += oq.segments;
    it->rows += oq.rows;
    it->rejected += oq.rejected;
    it->bytes += oq.bytes;
  }
  for (const auto& [reason, n] : other.rejects_by_reason) rejects_by_reason[reason] += n;
  seconds += other.seconds;
  already_loaded += other.already_loaded;
  quarantined += other.quarantined;
  failed += other.failed;
  if (!first_error && other.first_error) first_error = other.first_error;
}

std::uint64_t cleanup_summary::files() const noexcept {
  std::uint64_t n = 0;
  for (const auto& q : queues) n += q.files;
  return n;
}
std::uint64_t cleanup_summary::bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& q : queues) n += q.bytes;
  return n;
}

struct loader::impl {
  loader_options options;
  unsigned threads;
  segment_store store;
  pg::pool pool;
  loader_metrics& metrics = loader_metrics::get();

  // One run at a time (continuous batches, load_once, replay): each worker slot below is used
  // by one thread of the current run only.
  std::mutex run_mutex;
  std::vector<std::unique_ptr<detail::segment_loader>> workers;

  // Cancel handles of the connections with a segment in flight, so drain() can interrupt them.
  std::mutex cancel_mutex;
  std::vector<PGcancel*> cancels;

  mutable std::mutex health_mutex;
  gg::health current_health;

  std::atomic<bool> stopping{false};
  int wake_fd = -1;
  std::thread thread;
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool loop_done = false;

  explicit impl(loader_options o)
      : options(std::move(o)),
        threads(options.threads != 0 ? options.threads
                                     : std::max(1u, std::thread::hardware_concurrency())),
        store(options.data_dir, queue_names()),
        pool(pg::pool_options{options.conninfo, threads + 1, std::chrono::milliseconds{30'000},
                              "loader"}) {
    for (unsigned i = 0; i < threads; ++i) {
      workers.push_back(std::make_unique<detail::segment_loader>(options.read_chunk_bytes,
                                                                 options.copy_chunk_bytes));
    }
    cancels.assign(threads, nullptr);
  }

  ~impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void set_health(gg::health_state s, std::string detail) {
    std::lock_guard lock(health_mutex);
    current_health.state = s;
    current_health.detail = std::move(detail);
  }

  void update_backlog(const std::vector<segment_ref>& pending) {
    metrics.pending.set(static_cast<double>(pending.size()));
    if (pending.empty()) {
      metrics.lag.set(0);
      return;
    }
    const auto oldest = std::min_element(
        pending.begin(), pending.end(),
        [](const segment_ref& a, const segment_ref& b) { return a.first_event < b.first_event; });
    const auto age = now_us() - oldest->first_event;
    metrics.lag.set(std::max(0.0, std::chrono::duration<double>(age).count()));
  }

  void set_cancel(std::size_t slot, pg::connection* conn) {
    std::lock_guard lock(cancel_mutex);
    if (cancels[slot] != nullptr) PQfreeCancel(cancels[slot]);
    cancels[slot] = conn != nullptr ? PQgetCancel(conn->native()) : nullptr;
  }

  std::size_t cancel_all() {
    std::lock_guard lock(cancel_mutex);
    std::size_t n = 0;
    for (PGcancel* c : cancels) {
      if (c == nullptr) continue;
      char err[256];
      if (PQcancel(c, err, sizeof err) == 1) ++n;
    }
    return n;
  }

  // Loads `pending` with up to `threads` workers; the caller holds run_mutex.
  load_summary run(const std::vector<segment_ref>& pending) {
    load_summary summary = empty_summary();
    const auto started = steady::now();
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> handled{0};
    std::atomic<bool> give_up{false};
    std::mutex summary_mutex;

    auto record_error = [&](const error& e, const segment_ref* segment) {
      metrics.failures.inc();
      log.error("segment not loaded", {{"segment", segment ? segment->key() : std::string{}},
                                       {"error", e.message},
                                       {"retriable", e.retriable}});
      std::lock_guard lock(summary_mutex);
      if (!summary.first_error) summary.first_error = e;
    };

    auto work = [&](std::size_t slot) {
      std::optional<pg::lease> lease;
      while (!give_up.load() && !stopping.load()) {
        const std::size_t i = next.fetch_add(1);
        if (i >= pending.size()) break;
        const segment_ref& segment = pending[i];
        if (!lease) {
          auto l = pool.acquire(options.connect_timeout);
          if (!l) {
            record_error(l.error(), &segment);
            give_up = true;  // no connection for this worker: the server is down or saturated
            break;
          }
          lease.emplace(std::move(*l));
        }
        set_cancel(slot, &**lease);
        auto r = workers[slot]->load(**lease, segment);
        set_cancel(slot, nullptr);
        if (!r) {
          record_error(r.error(), &segment);
          if (!(*lease)->is_open() || (*lease)->in_transaction()) {
            lease->discard();
            lease.reset();
          }
          // PostgreSQL is down or restarting: the other segments would fail the same way.
          if (r.error().retriable) give_up = true;
          continue;
        }
        handled.fetch_add(1);
        const std::size_t qi = queue_index(segment.queue);
        const sys_us now = now_us();
        status moved;
        switch (r->outcome) {
          case detail::segment_outcome::loaded:
          case detail::segment_outcome::already_loaded:
            // A failed move is harmless: the ledger has the segment, the next scan archives it.
            moved = store.archive(segment, now);
            break;
          case detail::segment_outcome::conflicting:
            log.error("a different file carries the name of a loaded segment; quarantined",
                      {{"segment", segment.key()}});
            moved = store.quarantine(segment);
            break;
        }
        if (!moved) {
          log.warn("segment committed but not moved",
                   {{"segment", segment.key()}, {"error", moved.error().message}});
        }
        if (r->outcome == detail::segment_outcome::loaded) {
          metrics.rows[qi]->inc(r->rows);
          metrics.bytes[qi]->inc(r->bytes);
          metrics.segments[qi]->inc();
          metrics.copy_seconds.observe(r->seconds);
          metrics.count_rejects(r->rejects_by_reason);
          log.debug("segment loaded", {{"segment", segment.key()},
                                       {"rows", r->rows},
                                       {"rejected", r->rejected},
                                       {"seconds", r->seconds}});
        }
        std::lock_guard lock(summary_mutex);
        switch (r->outcome) {
          case detail::segment_outcome::loaded: {
            auto& q = summary.queues[qi];
            ++q.segments;
            q.rows += r->rows;
            q.rejected += r->rejected;
            q.bytes += r->bytes;
            for (const auto& [reason, n] : r->rejects_by_reason)
              summary.rejects_by_reason[reason] += n;
            break;
          }
          case detail::segment_outcome::already_loaded:
            ++summary.already_loaded;
            break;
          case detail::segment_outcome::conflicting:
            ++summary.quarantined;
            break;
        }
      }
    };

    const std::size_t n = std::min<std::size_t>(threads, pending.size());
    if (n == 1) {
      work(0);
    } else if (n > 1) {
      std::vector<std::thread> pool_threads;
      pool_threads.reserve(n);
      for (std::size_t slot = 0; slot < n; ++slot) pool_threads.emplace_back(work, slot);
      for (auto& t : pool_threads) t.join();
    }
    summary.failed = pending.size() - handled.load();
    summary.seconds = std::chrono::duration<double>(steady::now() - started).count();
    return summary;
  }

  status store_artifact(const artifact& a) {
    auto lease = pool.acquire(options.connect_timeout);
    if (!lease) return lease.error();
    return write_artifact(**lease, a);
  }

  result<load_summary> load_once() {
    std::lock_guard lock(run_mutex);
    if (auto st = store.prepare(); !st) return st.error();
    auto pending = store.pending();
    if (!pending) return pending.error();
    update_backlog(*pending);
    load_summary summary = run(*pending);
    if (auto left = store.pending()) update_backlog(*left);
    if (options.write_artifacts) {
      if (auto st = store_artifact(ingestion_artifact(summary)); !st) {
        log.warn("ingestion summary not stored", {{"error", st.error().message}});
      }
    }
    log.info("load run finished", {{"run_id", summary.run_id},
                                   {"segments", summary.segments()},
                                   {"rows", summary.rows()},
                                   {"rejected", summary.rejected()},
                                   {"failed", summary.failed},
                                   {"seconds", summary.seconds}});
    return summary;
  }

  result<replay_summary> replay_rejects();
  result<cleanup_summary> cleanup(std::chrono::milliseconds retention);
  void loop();
};

result<replay_summary> loader::impl::replay_rejects() {
  std::lock_guard lock(run_mutex);
  auto lease = pool.acquire(options.connect_timeout);
  if (!lease) return lease.error();
  pg::connection& conn = **lease;
  replay_summary summary;
  line_parser parser;
  event_row row;
  std::vector<detail::encoded_rows> rows(eventlog::queue_count);
  std::vector<std::vector<std::string>> ids(eventlog::queue_count);
  std::int64_t last_id = 0;
  for (;;) {
    auto batch = conn.exec(
        "SELECT id, segment, raw FROM raw_data.rejected_events "
        "WHERE replayed_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
        last_id, replay_batch_rows);
    if (!batch) return batch.error();
    if (batch->rows() == 0) break;
    for (auto& r : rows) r.clear();
    for (auto& v : ids) v.clear();
    for (int i = 0; i < batch->rows(); ++i) {
      auto id = batch->get_int64(i, 0);
      if (!id) return id.error();
      last_id = *id;
      ++summary.examined;
      const std::string_view segment = batch->get(i, 1);
      const auto queue = eventlog::parse_queue_id(segment.substr(0, segment.find('/')));
      if (!queue || parser.parse_replay(batch->get(i, 2), to_string(*queue), row)) {
        ++summary.still_rejected;
        continue;
      }
      auto& out = rows[eventlog::index_of(*queue)];
      copy_encoder enc(out.data);
      write_event_row(enc, row);
      out.ends.push_back(out.data.size());
      ids[eventlog::index_of(*queue)].emplace_back(batch->get(i, 0));
    }
    bool any = false;
    for (const auto& r : rows) any = any || r.size() > 0;
    if (!any) continue;

    auto tx = pg::transaction::begin(conn);
    if (!tx) return tx.error();
    std::string replayed = "{";
    std::map<std::string, std::uint64_t> loaded;
    for (std::size_t q = 0; q < rows.size(); ++q) {
      if (rows[q].size() == 0) continue;
      const std::string queue{to_string(eventlog::all_queues[q])};
      auto refused = detail::guarded_copy(conn, detail::copy_rows_sql(queue), rows[q]);
      if (!refused) return refused.error();
      std::size_t k = 0;
      for (std::size_t i = 0; i < rows[q].size(); ++i) {
        if (k < refused->size() && (*refused)[k].index == i) {
          ++k;
          continue;
        }
        if (replayed.size() > 1) replayed += ',';
        replayed += ids[q][i];
        ++loaded[queue];
      }
      summary.still_rejected += refused->size();
    }
    replayed += '}';
    auto marked = conn.exec(
        "UPDATE raw_data.rejected_events SET replayed_at = now() WHERE id = ANY($1::bigint[])",
        replayed);
    if (!marked) return marked.error();
    if (auto st = tx->commit(); !st) return st.error();
    for (const auto& [queue, n] : loaded) {
      summary.loaded += n;
      summary.loaded_per_queue[queue] += n;
      metrics.rows[queue_index(queue)]->inc(n);
      metrics.replayed.inc(n);
    }
  }
  log.info("reject replay finished", {{"examined", summary.examined},
                                      {"loaded", summary.loaded},
                                      {"still_rejected", summary.still_rejected}});
  return summary;
}

result<cleanup_summary> loader::impl::cleanup(std::chrono::milliseconds retention) {
  cleanup_summary summary;
  summary.run_id = uuid_v7().to_string();
  summary.retention = retention;
  auto removed = store.cleanup(retention, now_us());
  if (!removed) return removed.error();
  summary.queues = std::move(*removed);
  log.info("archive cleanup finished",
           {{"files", summary.files()}, {"bytes", summary.bytes()}, {"run_id", summary.run_id}});
  // The files are gone either way; a report that cannot be stored is not worth failing over.
  if (auto st = store_artifact(cleanup_artifact(summary)); !st) {
    log.warn("archive cleanup report not stored", {{"error", st.error().message}});
  }
  return summary;
}

void loader::impl::loop() {
  int inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    log.warn("inotify unavailable; polling only", {{"errno", errno}});
  } else {
    for (const auto& q : store.queues()) {
      if (::inotify_add_watch(inotify_fd, store.log_dir(q).c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) <
          0) {
        log.warn("cannot watch a log directory; polling it",
                 {{"dir", store.log_dir(q).string()}, {"errno", errno}});
      }
    }
  }

  std::chrono::milliseconds backoff{0};
  steady::time_point retry_at{};
  steady::time_point next_summary = steady::now() + options.summary_interval;
  load_summary interval = empty_summary();
  bool interval_dirty = false;

  auto flush_summary = [&]() {
    if (!interval_dirty || !options.write_artifacts) return;
    if (auto st = store_artifact(ingestion_artifact(interval)); !st) {
      log.warn("ingestion summary not stored", {{"error", st.error().message}});
      return;
    }
    interval = empty_summary();
    interval_dirty = false;
  };

  while (!stopping.load()) {
    const auto now = steady::now();
    if (now >= retry_at) {
      std::unique_lock lock(run_mutex);
      auto pending = store.pending();
      if (!pending) {
        set_health(gg::health_state::degraded, pending.error().message);
      } else {
        update_backlog(*pending);
        if (!pending->empty()) {
          load_summary batch = run(*pending);
          if (auto left = store.pending()) update_backlog(*left);
          lock.unlock();
          interval.merge(batch);
          interval_dirty = true;
          if (batch.failed > 0 && !stopping.load()) {
            backoff = backoff.count() == 0 ? options.backoff_min
                                           : std::min(options.backoff_max, backoff * 2);
            retry_at = steady::now() + backoff;
            const std::string reason =
                batch.first_error ? batch.first_error->message : std::string{"segments not loaded"};
            set_health(gg::health_state::degraded, fmt_retry(batch.failed, reason, backoff));
          } else {
            backoff = std::chrono::milliseconds{0};
            set_health(gg::health_state::up, {});
          }
        } else if (backoff.count() == 0) {
          set_health(gg::health_state::up, {});
        }
      }
    }
    if (steady::now() >= next_summary) {
      flush_summary();
      next_summary = steady::now() + options.summary_interval;
    }

    // Sleep until a segment is sealed, the poll interval passes or a stop is requested.
    auto wait = options.poll_interval;
    const auto now2 = steady::now();
    if (retry_at > now2) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - now2) +
                                std::chrono::milliseconds{1});
    }
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {inotify_fd, POLLIN, 0}};
    const int nfds = inotify_fd >= 0 ? 2 : 1;
    const int rc = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(wait.count()));
    if (rc > 0 && nfds == 2 && (fds[1].revents & POLLIN) != 0) {
      alignas(inotify_event) char events[16 * 1024];
      while (::read(inotify_fd, events, sizeof events) > 0) {
      }
    }
  }
  flush_summary();
  if (inotify_fd >= 0) ::close(inotify_fd);
  std::lock_guard lock(done_mutex);
  loop_done = true;
  done_cv.notify_all();
}

loader::loader(loader_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

loader::~loader() {
  request_stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const loader_options& loader::options() const noexcept { return impl_->options; }

status loader::start() {
  impl& s = *impl_;
  if (s.thread.joinable()) return fail(errc::conflict, "loader already started");
  if (auto st = s.store.prepare(); !st) return st;
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake_fd < 0) return from_errno("eventfd", errno);
  s.set_health(gg::health_state::starting, "waiting for the first scan");
  s.thread = std::thread([&s] { s.loop(); });
  log.info("loader started", {{"threads", s.threads},
                              {"data_dir", s.options.data_dir.string()},
                              {"pool", s.pool.options().name}});
  return {};
}

void loader::request_stop() {
  impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  if (s.wake_fd >= 0) {
    const std::uint64_t one = 1;
    (void)!::write(s.wake_fd, &one, sizeof one);
  }
}

status loader::drain(deadline until) {
  impl& s = *impl_;
  request_stop();
  if (!s.thread.joinable()) {
    s.set_health(gg::health_state::stopped, {});
    return {};
  }
  std::unique_lock lock(s.done_mutex);
  bool cancelled = false;
  std::size_t interrupted = 0;
  if (!s.done_cv.wait_until(lock, until, [&] { return s.loop_done; })) {
    // The run in progress outlived the deadline: interrupt its COPYs. Their transactions roll
    // back, so those segments stay in log/ and load in full next time.
    interrupted = s.cancel_all();
    cancelled = true;
    s.done_cv.wait(lock, [&] { return s.loop_done; });
  }
  lock.unlock();
  s.thread.join();
  s.set_health(gg::health_state::stopped, {});
  if (cancelled) {
    return fail(errc::timeout,
                fmt::format("loader drain deadline passed; {} segment load(s) cancelled and left "
                            "for the next start",
                            interrupted),
                true);
  }
  return {};
}

gg::health loader::health() const {
  std::lock_guard lock(impl_->health_mutex);
  return impl_->current_health;
}

result<load_summary> loader::load_once() { return impl_->load_once(); }

result<replay_summary> loader::replay_rejects() { return impl_->replay_rejects(); }

result<cleanup_summary> loader::cleanup(std::chrono::milliseconds retention) {
  return impl_->cleanup(retention);
}

result<cleanup_summary> loader::cleanup() {
  return impl_->cleanup(impl_->options.archive_retention);
}

result<load_summary> load_once(const loader_options& options) {
  loader l(options);
  return l.load_once();
}

result<replay_summary> replay_rejects(const loader_options& options) {
  loader l(options);
  return l.replay_rejects();
}

result<cleanup_summary> cleanup(const loader_options& options) {
  loader l(options);
  return l.cleanup();
}

}  // namespace gg::loader
