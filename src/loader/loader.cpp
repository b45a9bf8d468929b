#include <gadgetgrove/loader/loader.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/loader/load_notices.hpp>
#include <gadgetgrove/loader/report.hpp>
#include <gadgetgrove/pg/pool.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include "segment_claims.hpp"
#include "segment_loader.hpp"
#include "segment_watcher.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

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

// The loader's metrics, registered with the registry the stage was given. Reject counters
// are registered the first time a reason is seen and cached, so a run does not look a counter
// up in the registry per reason per segment.
struct loader_metrics {
  metrics::registry& reg;
  std::vector<metrics::counter*> rows;
  std::vector<metrics::counter*> bytes;
  std::vector<metrics::counter*> segments;
  metrics::counter& failures;
  metrics::counter& replayed;
  detail::segment_counters segment;  // what the workers' segment loads add to
  metrics::gauge& pending;
  metrics::gauge& lag;
  metrics::histogram& copy_seconds;
  std::mutex rejects_mutex;
  std::map<std::string, metrics::counter*, std::less<>> rejects;

  explicit loader_metrics(metrics::registry& r)
      : reg(r),
        failures(reg.get_counter(
            "gadgetgrove_loader_segment_failures_total",
            "Segment load attempts that failed and left the segment for a later run")),
        replayed(reg.get_counter("gadgetgrove_loader_replayed_rows_total",
                                 "Rejected lines loaded by a replay")),
        segment(detail::segment_counters::in(reg)),
        pending(reg.get_gauge("gadgetgrove_loader_segments_pending",
                              "Sealed segments waiting in log/ at the last scan")),
        lag(reg.get_gauge(
            "gadgetgrove_loader_lag_seconds",
            "Age of the oldest unloaded segment (since its first event) at the last scan")),
        copy_seconds(reg.get_histogram("gadgetgrove_loader_copy_duration_seconds",
                                       "Time to load one segment, BEGIN to COMMIT",
                                       metrics::latency_buckets())) {
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

  void count_rejects(const std::map<std::string, std::uint64_t>& by_reason) {
    if (by_reason.empty()) return;
    std::lock_guard lock(rejects_mutex);
    for (const auto& [reason, n] : by_reason) {
      auto it = rejects.find(reason);
      if (it == rejects.end()) {
        it = rejects
                 .emplace(reason,
                          &reg.get_counter("gadgetgrove_loader_rejects_total",
                                           "Lines rejected, by reason", {{"reason", reason}}))
                 .first;
      }
      it->second->inc(n);
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

namespace {

// The extra workers of one run. One that gets a pool thread only after the run has ended
// finds the crew closed and returns without touching the run, so the run waits only for the
// workers that started: a busy or one-thread pool slows a run down but cannot deadlock it.
struct worker_crew {
  std::mutex mutex;
  std::condition_variable done;
  bool closed = false;
  unsigned active = 0;
  std::function<void(std::size_t)> work;
};

}  // namespace

struct loader::impl {
  loader_options options;
  loader_runtime runtime;
  unsigned threads;
  segment_store store;
  pg::pool pool;
  loader_metrics metrics;

  // One run at a time (micro-batches, load_once, replay): each worker slot below is used by
  // one worker of the current run only.
  std::mutex run_mutex;
  std::condition_variable_any run_cv;
  bool run_busy = false;
  std::vector<std::unique_ptr<detail::segment_loader>> workers;

  // The extra workers' pool when the runtime has no blocking executor (the CLI).
  std::once_flag own_pool_once;
  std::unique_ptr<boost::asio::thread_pool> own_pool;

  // Cancel handles of the connections with a statement in flight: one per worker, then the
  // replay's, so drain() and a caller's stop can interrupt them.
  std::mutex cancel_mutex;
  std::vector<PGcancel*> cancels;
  std::atomic<bool> cancel_requested{false};  // set by cancel_all(), cleared when a run starts

  mutable std::mutex health_mutex;
  gg::health current_health;

  // request_stop(): no new micro-batch, and a run stops before its next segment.
  std::stop_source stop_all;
  std::shared_ptr<detail::segment_watcher> watcher;
  // Touched by micro-batches only, which never overlap.
  std::chrono::milliseconds backoff{0};
  steady::time_point next_summary{};

  // The runs since the last take_interval_summary() or interval artifact.
  std::mutex interval_mutex;
  load_summary interval = empty_summary();
  bool interval_dirty = false;

  std::mutex hook_mutex;
  loaded_callback loaded_hook;

  impl(loader_options o, loader_runtime r)
      : options(std::move(o)),
        runtime(r),
        threads(options.threads != 0 ? options.threads
                                     : std::max(1u, std::thread::hardware_concurrency())),
        store(options.data_dir, queue_names(), eventlog::posix_file_system::shared(),
              options.node_id.empty() ? default_node_id() : options.node_id),
        pool(pg::pool_options{options.conninfo, threads + 1, std::chrono::milliseconds{30'000},
                              "loader"}),
        metrics(runtime.metrics != nullptr ? *runtime.metrics : gg::metrics::global()) {
    for (unsigned i = 0; i < threads; ++i) {
      workers.push_back(std::make_unique<detail::segment_loader>(
          options.read_chunk_bytes, options.copy_chunk_bytes, metrics.segment));
    }
    cancels.assign(threads + 1, nullptr);
  }

  ~impl() {
    for (PGcancel* c : cancels) {
      if (c != nullptr) PQfreeCancel(c);
    }
  }

  std::size_t replay_slot() const noexcept { return threads; }

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
    // A segment load is many statements: the ones not sent yet must not start either.
    cancel_requested = true;
    std::size_t n = 0;
    for (PGcancel* c : cancels) {
      if (c == nullptr) continue;
      char err[256];
      if (PQcancel(c, err, sizeof err) == 1) ++n;
    }
    return n;
  }

  // Waits for the run slot; false when `stop` or request_stop() came first.
  bool acquire_run(const std::stop_token& stop) {
    std::stop_source either;
    std::stop_callback on_stop(stop, [&] { either.request_stop(); });
    std::stop_callback on_stage_stop(stop_all.get_token(), [&] { either.request_stop(); });
    std::unique_lock lock(run_mutex);
    run_cv.wait(lock, either.get_token(), [this] { return !run_busy; });
    if (run_busy || either.stop_requested()) return false;
    run_busy = true;
    return true;
  }

  void release_run() {
    std::lock_guard lock(run_mutex);
    run_busy = false;
    run_cv.notify_all();
  }

  bool wait_run_free(deadline until) {
    std::unique_lock lock(run_mutex);
    return run_cv.wait_until(lock, until, [this] { return !run_busy; });
  }

  void wait_run_free() {
    std::unique_lock lock(run_mutex);
    run_cv.wait(lock, [this] { return !run_busy; });
  }

  // Holds the run slot for one scope.
  struct run_slot {
    impl& owner;
    ~run_slot() { owner.release_run(); }
  };

  boost::asio::thread_pool::executor_type extra_executor() {
    if (runtime.blocking) return *runtime.blocking;
    std::call_once(own_pool_once, [this] {
      own_pool = std::make_unique<boost::asio::thread_pool>(std::max(1u, threads - 1));
    });
    return own_pool->get_executor();
  }

  // Loads `pending` with up to `threads` workers: this thread and tasks on the extra executor,
  // all pulling from one index. The caller holds the run slot. `stop` cancels the COPYs in
  // flight; request_stop() lets them finish; either way no further segment starts.
  load_summary run(const std::vector<segment_ref>& pending, const std::stop_token& stop) {
    load_summary summary = empty_summary();
    const auto started = steady::now();
    std::vector<eventlog::queue_id> queue_of;
    for (const auto& p : pending) {
      queue_of.push_back(eventlog::all_queues[queue_index(p.queue)]);
    }
    detail::segment_claims claims(std::move(queue_of));
    std::atomic<std::size_t> handled{0};
    std::atomic<bool> give_up{false};
    std::atomic<bool> halted{false};
    std::mutex summary_mutex;
    cancel_requested = false;
    std::stop_callback on_stop(stop, [&] {
      halted = true;
      cancel_all();
    });
    std::stop_callback on_stage_stop(stop_all.get_token(), [&] { halted = true; });

    auto record_error = [&](const error& e, const segment_ref* segment) {
      if (halted.load()) {
        log.info("segment load stopped; it stays for a later run",
                 {{"segment", segment ? segment->key() : std::string{}}, {"error", e.message}});
      } else {
        metrics.failures.inc();
        log.error("segment not loaded", {{"segment", segment ? segment->key() : std::string{}},
                                         {"error", e.message},
                                         {"retriable", e.retriable}});
      }
      std::lock_guard lock(summary_mutex);
      if (!summary.first_error) summary.first_error = e;
    };

    auto work = [&](std::size_t slot) {
      std::optional<pg::lease> lease;
      while (!give_up.load() && !halted.load()) {
        const auto claimed = claims.claim([&] { return give_up.load() || halted.load(); });
        if (!claimed) break;
        const std::size_t i = *claimed;
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
        auto r = workers[slot]->load(**lease, segment, &cancel_requested);
        set_cancel(slot, nullptr);
        claims.release(
            i, r && r->rejects_by_reason.count(
                        reject_reason{reject_code::duplicate_event_id, {}}.to_string()) > 0);
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
    if (n > 1) {
      auto crew = std::make_shared<worker_crew>();
      crew->work = work;
      const auto executor = extra_executor();
      for (std::size_t slot = 1; slot < n; ++slot) {
        boost::asio::post(executor, [crew, slot] {
          {
            std::lock_guard lock(crew->mutex);
            if (crew->closed) return;
            ++crew->active;
          }
          crew->work(slot);
          std::lock_guard lock(crew->mutex);
          --crew->active;
          crew->done.notify_all();
        });
      }
      work(0);
      std::unique_lock lock(crew->mutex);
      crew->closed = true;
      crew->done.wait(lock, [&] { return crew->active == 0; });
    } else if (n == 1) {
      work(0);
    }
    summary.failed = pending.size() - handled.load();
    summary.cancelled = halted.load() && summary.failed > 0;
    summary.seconds = std::chrono::duration<double>(steady::now() - started).count();
    return summary;
  }

  status store_artifact(const artifact& a, std::chrono::milliseconds timeout) {
    auto lease = pool.acquire(timeout);
    if (!lease) return lease.error();
    return write_artifact(**lease, a);
  }

  void add_to_interval(const load_summary& s) {
    std::lock_guard lock(interval_mutex);
    interval.merge(s);
    interval_dirty = true;
  }

  load_summary take_interval() {
    std::lock_guard lock(interval_mutex);
    load_summary taken = std::exchange(interval, empty_summary());
    interval_dirty = false;
    return taken;
  }

  // Stores the interval as the loader's own ingestion summary; on failure the runs stay for
  // the next attempt.
  void flush_interval(std::chrono::milliseconds timeout) {
    {
      std::lock_guard lock(interval_mutex);
      if (!interval_dirty) return;
    }
    load_summary taken = take_interval();
    if (auto st = store_artifact(ingestion_artifact(taken), timeout); !st) {
      log.warn("ingestion summary not stored", {{"error", st.error().message}});
      std::lock_guard lock(interval_mutex);
      taken.merge(interval);
      interval = std::move(taken);
      interval_dirty = true;
    }
  }

  void notify_loaded(const load_summary& s) {
    loaded_callback fn;
    {
      std::lock_guard lock(hook_mutex);
      fn = loaded_hook;
    }
    if (fn) fn(s);
  }

  result<load_summary> load_once(const std::stop_token& stop) {
    if (!acquire_run(stop)) return fail(errc::cancelled, "load run cancelled before it began");
    load_summary summary;
    {
      run_slot slot{*this};
      if (auto st = store.prepare(); !st) return st.error();
      auto pending = store.pending();
      if (!pending) return pending.error();
      update_backlog(*pending);
      summary = run(*pending, stop);
      if (auto left = store.pending()) update_backlog(*left);
    }
    if (options.write_artifacts) {
      if (auto st = store_artifact(ingestion_artifact(summary), options.connect_timeout); !st) {
        log.warn("ingestion summary not stored", {{"error", st.error().message}});
      }
    }
    log.info("load run finished", {{"run_id", summary.run_id},
                                   {"segments", summary.segments()},
                                   {"rows", summary.rows()},
                                   {"rejected", summary.rejected()},
                                   {"failed", summary.failed},
                                   {"cancelled", summary.cancelled},
                                   {"seconds", summary.seconds}});
    add_to_interval(summary);
    if (summary.rows() > 0) notify_loaded(summary);
    return summary;
  }

  // One continuous-mode micro-batch (on the blocking pool; never two at once). Returns the
  // hold-off before the next one: the backoff after a failure, else zero.
  std::chrono::milliseconds micro_batch() {
    if (!acquire_run({})) return std::chrono::milliseconds{0};
    std::optional<load_summary> batch;
    bool more = false;  // segments beyond this batch's cap wait for the follow-up batch
    {
      run_slot slot{*this};
      auto pending = store.pending();
      if (!pending) {
        set_health(gg::health_state::degraded, pending.error().message);
        return std::chrono::milliseconds{0};
      }
      update_backlog(*pending);
      const std::size_t cap =
          options.batch_segments != 0 ? options.batch_segments : std::size_t{2} * threads;
      if (pending->size() > cap) {
        pending->resize(cap);
        more = true;
      }
      if (!pending->empty()) {
        batch = run(*pending, {});
        if (auto left = store.pending()) update_backlog(*left);
      }
    }
    std::chrono::milliseconds hold{0};
    if (!batch) {
      backoff = std::chrono::milliseconds{0};
      set_health(gg::health_state::up, {});
    } else if (!batch->cancelled) {
      if (batch->failed > 0) {
        backoff =
            backoff.count() == 0 ? options.backoff_min : std::min(options.backoff_max, backoff * 2);
        hold = backoff;
        const std::string reason =
            batch->first_error ? batch->first_error->message : std::string{"segments not loaded"};
        set_health(gg::health_state::degraded, fmt_retry(batch->failed, reason, backoff));
      } else {
        backoff = std::chrono::milliseconds{0};
        set_health(gg::health_state::up, {});
      }
    }
    if (batch) add_to_interval(*batch);
    if (options.interval_artifacts && steady::now() >= next_summary) {
      flush_interval(options.connect_timeout);
      next_summary = steady::now() + options.summary_interval;
    }
    if (batch && batch->rows() > 0) notify_loaded(*batch);
    // The follow-up queues behind whatever else reached the blocking pool meanwhile.
    if (more && hold.count() == 0 && watcher) watcher->wake();
    return hold;
  }

  // replay_rejects() without its slot and cancel bookkeeping; stops between batches.
  struct replay_progress : replay_summary {
    bool cancelled = false;
  };
  result<replay_summary> replay_rejects(const std::stop_token& stop);
  result<replay_progress> replay_batches(pg::connection& conn,
                                         const std::function<bool()>& stopped);
  result<cleanup_summary> cleanup(std::chrono::milliseconds retention, const std::stop_token& stop);
};

result<replay_summary> loader::impl::replay_rejects(const std::stop_token& stop) {
  if (!acquire_run(stop)) return fail(errc::cancelled, "reject replay cancelled before it began");
  run_slot slot{*this};
  auto lease = pool.acquire(options.connect_timeout);
  if (!lease) return lease.error();
  set_cancel(replay_slot(), &**lease);
  struct unregister {
    impl& owner;
    ~unregister() { owner.set_cancel(owner.replay_slot(), nullptr); }
  } unregister_cancel{*this};
  std::stop_callback on_stop(stop, [this] { cancel_all(); });
  const auto stopped = [&] { return stop.stop_requested() || stop_all.stop_requested(); };
  const auto cancelled = [] {
    return fail(errc::cancelled,
                "reject replay cancelled; the batches committed before it stay replayed");
  };
  auto r = replay_batches(**lease, stopped);
  if (!r && stopped()) return cancelled();
  if (!r) return r.error();
  if (r->cancelled) return cancelled();
  return replay_summary{*r};
}

result<loader::impl::replay_progress> loader::impl::replay_batches(
    pg::connection& conn, const std::function<bool()>& stopped) {
  replay_progress summary;
  line_parser parser;
  event_row row;
  std::vector<detail::encoded_rows> rows(eventlog::queue_count);
  std::vector<std::vector<std::string>> ids(eventlog::queue_count);
  std::int64_t last_id = 0;
  for (;;) {
    if (stopped()) {
      summary.cancelled = true;
      break;
    }
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
    for (const auto& [queue, n] : loaded) {
      if (auto st = send_load_notice(conn, queue, n); !st) return st.error();
    }
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

result<cleanup_summary> loader::impl::cleanup(std::chrono::milliseconds retention,
                                              const std::stop_token& stop) {
  if (stop.stop_requested()) return fail(errc::cancelled, "archive cleanup cancelled");
  cleanup_summary summary;
  summary.run_id = uuid_v7().to_string();
  summary.retention = retention;
  auto removed = store.cleanup(retention, now_us());
  if (!removed) return removed.error();
  summary.queues = std::move(*removed);
  log.info("archive cleanup finished",
           {{"files", summary.files()}, {"bytes", summary.bytes()}, {"run_id", summary.run_id}});
  // The files are gone either way; a report that cannot be stored is not worth failing over.
  if (auto st = store_artifact(cleanup_artifact(summary), options.connect_timeout); !st) {
    log.warn("archive cleanup report not stored", {{"error", st.error().message}});
  }
  return summary;
}

loader::loader(loader_options options, loader_runtime runtime)
    : impl_(std::make_unique<impl>(std::move(options), runtime)) {}

loader::~loader() {
  impl& s = *impl_;
  s.stop_all.request_stop();
  if (s.watcher) {
    s.watcher->request_stop();
    s.watcher->wait_idle();
  }
  // A load_once() or replay on another thread (or a run drain() cancelled) ends first.
  s.wait_run_free();
}

const loader_options& loader::options() const noexcept { return impl_->options; }

status loader::start() {
  impl& s = *impl_;
  if (s.runtime.io == nullptr || !s.runtime.blocking) {
    return fail(errc::invalid_input,
                "continuous loading needs the scheduler's io_context and blocking executor");
  }
  if (s.watcher) return fail(errc::conflict, "loader already started");
  if (s.stop_all.stop_requested()) return fail(errc::conflict, "loader already stopped");
  if (auto st = s.store.prepare(); !st) return st;
  s.set_health(gg::health_state::starting, "waiting for the first scan");
  s.next_summary = steady::now() + s.options.summary_interval;
  detail::watcher_options w;
  for (const auto& q : s.store.queues()) w.dirs.push_back(s.store.log_dir(q));
  w.poll_interval = s.options.poll_interval;
  w.use_inotify = s.options.use_inotify;
  s.watcher = detail::segment_watcher::create(*s.runtime.io, *s.runtime.blocking, std::move(w),
                                              [&s] { return s.micro_batch(); });
  s.watcher->start();
  log.info("loader started", {{"threads", s.threads},
                              {"data_dir", s.options.data_dir.string()},
                              {"pool", s.pool.options().name}});
  return {};
}

void loader::request_stop() {
  impl& s = *impl_;
  s.stop_all.request_stop();
  if (s.watcher) s.watcher->request_stop();
}

status loader::drain(deadline until) {
  impl& s = *impl_;
  request_stop();
  if (!s.watcher) {
    s.set_health(gg::health_state::stopped, {});
    return {};
  }
  if (!s.watcher->wait_idle(until) || !s.wait_run_free(until)) {
    // The run in progress outlived the deadline: interrupt its COPYs. Their transactions roll
    // back, so those segments stay in log/ and load in full next time. The destructor waits
    // for the run to notice.
    const std::size_t interrupted = s.cancel_all();
    s.set_health(gg::health_state::stopped, "drain deadline passed");
    return fail(errc::timeout,
                fmt::format("loader drain deadline passed; {} segment load(s) cancelled and left "
                            "for the next start; the last interval's ingestion summary is not "
                            "stored",
                            interrupted),
                true);
  }
  if (s.options.interval_artifacts) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now());
    s.flush_interval(std::clamp(left, std::chrono::milliseconds{1}, s.options.connect_timeout));
  }
  s.set_health(gg::health_state::stopped, {});
  return {};
}

gg::health loader::health() const {
  std::lock_guard lock(impl_->health_mutex);
  return impl_->current_health;
}

result<load_summary> loader::load_once(std::stop_token stop) { return impl_->load_once(stop); }

result<replay_summary> loader::replay_rejects(std::stop_token stop) {
  return impl_->replay_rejects(stop);
}

result<cleanup_summary> loader::cleanup(std::chrono::milliseconds retention, std::stop_token stop) {
  return impl_->cleanup(retention, stop);
}

result<cleanup_summary> loader::cleanup(std::stop_token stop) {
  return impl_->cleanup(impl_->options.archive_retention, stop);
}

void loader::on_loaded(loaded_callback fn) {
  std::lock_guard lock(impl_->hook_mutex);
  impl_->loaded_hook = std::move(fn);
}

load_summary loader::take_interval_summary() { return impl_->take_interval(); }

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
