#include <gadgetgrove/eventlog/event_log.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/eventlog/posix_file_system.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include "segment_recovery.hpp"

#include <algorithm>
#include <exception>
#include <system_error>
#include <utility>

namespace gg::eventlog {

namespace {

const gg::logger log{"eventlog"};

using clock = segment_writer::clock;

std::string quarantine_root(const event_log_config& c) {
  if (!c.quarantine_dir.empty()) return c.quarantine_dir;
  return join_path(parent_path(c.log_dir), "quarantine");
}

}  // namespace

std::string_view to_string(ack_mode m) noexcept {
  switch (m) {
    case ack_mode::durable:
      return "durable";
    case ack_mode::written:
      return "written";
    case ack_mode::queued:
      return "queued";
  }
  return "durable";
}

std::optional<ack_mode> parse_ack_mode(std::string_view text) noexcept {
  for (const ack_mode m : {ack_mode::durable, ack_mode::written, ack_mode::queued}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

std::string_view to_string(submit_status s) noexcept {
  switch (s) {
    case submit_status::accepted:
      return "accepted";
    case submit_status::queue_full:
      return "queue_full";
    case submit_status::unavailable:
      return "unavailable";
    case submit_status::invalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view to_string(unavailable_reason r) noexcept {
  switch (r) {
    case unavailable_reason::none:
      return "none";
    case unavailable_reason::not_running:
      return "not_running";
    case unavailable_reason::shutting_down:
      return "shutting_down";
    case unavailable_reason::disk_full:
      return "disk_full";
    case unavailable_reason::write_error:
      return "write_error";
  }
  return "none";
}

struct event_log::metric_set {
  struct per_queue {
    metrics::counter* accepted;
    metrics::counter* rejected_full;
    metrics::counter* rejected_unavailable;
    metrics::counter* rejected_invalid;
    metrics::counter* written;
    metrics::counter* failed;
    metrics::counter* bytes;
    metrics::counter* sealed;
    metrics::counter* errors_no_space;
    metrics::counter* errors_io;
    metrics::counter* torn;
    metrics::counter* quarantined;
    metrics::counter* quarantined_bytes;
  };
  std::array<per_queue, queue_count> q;
  metrics::histogram* batch_size;
  metrics::histogram* fsync_seconds;
  metrics::gauge* depth;
  metrics::gauge* degraded;

  explicit metric_set(metrics::registry& r) {
    constexpr std::string_view events = "gadgetgrove_eventlog_events_total";
    constexpr std::string_view events_help =
        "Events by queue and outcome: accepted or rejected_* at submission, written or failed "
        "once the writer is done with them";
    for (const queue_id id : all_queues) {
      const std::string name(to_string(id));
      auto outcome = [&](const char* o) -> metrics::counter* {
        return &r.get_counter(events, events_help, {{"queue", name}, {"outcome", o}});
      };
      auto& m = q[index_of(id)];
      m.accepted = outcome("accepted");
      m.rejected_full = outcome("rejected_full");
      m.rejected_unavailable = outcome("rejected_unavailable");
      m.rejected_invalid = outcome("rejected_invalid");
      m.written = outcome("written");
      m.failed = outcome("failed");
      m.bytes = &r.get_counter("gadgetgrove_eventlog_written_bytes_total",
                               "Framed bytes written to segments", {{"queue", name}});
      m.sealed = &r.get_counter("gadgetgrove_eventlog_segments_sealed_total",
                                "Segments sealed (renamed to .jsonl)", {{"queue", name}});
      m.errors_no_space = &r.get_counter("gadgetgrove_eventlog_write_errors_total",
                                         "Failed segment writes, syncs and seals",
                                         {{"queue", name}, {"kind", "no_space"}});
      m.errors_io = &r.get_counter("gadgetgrove_eventlog_write_errors_total",
                                   "Failed segment writes, syncs and seals",
                                   {{"queue", name}, {"kind", "io"}});
      m.torn =
          &r.get_counter("gadgetgrove_eventlog_recovered_torn_total",
                         "Segments whose torn tail was cut off at start-up", {{"queue", name}});
      m.quarantined = &r.get_counter("gadgetgrove_eventlog_quarantined_segments_total",
                                     "Segments whose corrupt part went to quarantine at start-up",
                                     {{"queue", name}});
      m.quarantined_bytes = &r.get_counter(
          "gadgetgrove_eventlog_quarantined_bytes_total",
          "Bytes moved to quarantine at start-up (from a segment's first bad line to its end)",
          {{"queue", name}});
    }
    batch_size = &r.get_histogram("gadgetgrove_eventlog_batch_size_events",
                                  "Events per group commit", metrics::size_buckets());
    fsync_seconds = &r.get_histogram("gadgetgrove_eventlog_fsync_duration_seconds",
                                     "fdatasync latency of a segment", metrics::latency_buckets());
    depth = &r.get_gauge("gadgetgrove_eventlog_queue_depth_events",
                         "Events waiting in the in-memory queue");
    degraded = &r.get_gauge("gadgetgrove_eventlog_degraded",
                            "1 while writes fail and submissions are refused");
  }
};

event_log::event_log(event_log_config config)
    : config_(std::move(config)),
      fs_(config_.fs ? config_.fs : posix_file_system::shared()),
      metrics_(std::make_unique<metric_set>(config_.metrics != nullptr ? *config_.metrics
                                                                       : metrics::global())),
      queue_(config_.queue_capacity) {
  if (config_.max_batch == 0) config_.max_batch = 1;
  health_.state = health_state::starting;
}

event_log::~event_log() {
  request_stop();
  if (writer_.joinable()) writer_.join();
}

status event_log::recover() {
  if (state_.load() == run_state::running || state_.load() == run_state::stopping) {
    return gg::fail(errc::conflict, "eventlog: recover() while the writer runs");
  }
  const std::string qroot = quarantine_root(config_);
  std::vector<std::unique_ptr<segment_writer>> writers;
  const segment_writer_options options{config_.rotate_bytes, config_.rotate_age};
  for (const queue_id q : all_queues) {
    const std::string dir = join_path(config_.log_dir, to_string(q));
    if (auto st = fs_->create_dirs(dir); !st) return st;
    auto report = recover_queue_dir(*fs_, dir, join_path(qroot, to_string(q)));
    if (!report) return report.error();
    auto& m = metrics_->q[index_of(q)];
    m.torn->inc(report->torn);
    m.quarantined->inc(report->quarantined);
    m.quarantined_bytes->inc(report->quarantined_bytes);
    if (report->sealed + report->quarantined + report->removed_empty > 0) {
      log.info("queue directory recovered", {{"queue", to_string(q)},
                                             {"sealed", report->sealed},
                                             {"torn", report->torn},
                                             {"torn_bytes", report->torn_bytes},
                                             {"quarantined", report->quarantined},
                                             {"quarantined_bytes", report->quarantined_bytes},
                                             {"removed", report->removed_empty}});
    }
    writers.push_back(std::make_unique<segment_writer>(*fs_, dir, report->next_seq, options));
  }
  // New queue directories must survive a power loss along with the segments made in them.
  for (const std::string& dir : {config_.log_dir, parent_path(config_.log_dir)}) {
    if (auto st = fs_->sync_dir(dir); !st) return st;
  }
  writers_ = std::move(writers);
  return {};
}

status event_log::start() {
  if (state_.load() != run_state::created) {
    return gg::fail(errc::conflict, "eventlog: start() called twice");
  }
  if (stop_requested_.load()) return gg::fail(errc::cancelled, "eventlog: stopped before start");
  if (auto st = recover(); !st) {
    std::lock_guard lock(mu_);
    health_ = {health_state::down, "recovery failed: " + st.error().message};
    return st;
  }
  try {
    state_.store(run_state::running);
    writer_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    state_.store(run_state::created);
    std::lock_guard lock(mu_);
    health_ = {health_state::down, std::string("cannot start the writer thread: ") + e.what()};
    return gg::fail(errc::internal, health_.detail);
  }
  {
    std::lock_guard lock(mu_);
    health_ = {health_state::up, {}};
  }
  gate_.fetch_and(~gate_closed, std::memory_order_seq_cst);
  log.info("event log started", {{"log_dir", config_.log_dir},
                                 {"ack", to_string(config_.ack)},
                                 {"queue_capacity", static_cast<std::uint64_t>(queue_.capacity())},
                                 {"rotate_bytes", config_.rotate_bytes},
                                 {"rotate_age_ms", config_.rotate_age.count()}});
  return {};
}

void event_log::request_stop() {
  stop_requested_.store(true);
  gate_.fetch_or(gate_closed, std::memory_order_seq_cst);
  auto expected = run_state::running;
  state_.compare_exchange_strong(expected, run_state::stopping);
  queue_.wake();
}

status event_log::drain(deadline until) {
  request_stop();
  if (!writer_.joinable()) {
    std::lock_guard lock(mu_);
    if (health_.state != health_state::down) health_ = {health_state::stopped, {}};
    return {};
  }
  {
    std::unique_lock lock(mu_);
    if (!finished_cv_.wait_until(lock, until, [this] { return finished_; })) {
      return gg::fail(errc::timeout, "eventlog: " + std::to_string(queue_.size_approx()) +
                                         " events still queued at the drain deadline");
    }
  }
  writer_.join();
  std::lock_guard lock(mu_);
  return final_status_;
}

gg::health event_log::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

submit_result event_log::check_accepting() const noexcept {
  if (state_.load(std::memory_order_relaxed) == run_state::created) {
    return {submit_status::unavailable, unavailable_reason::not_running};
  }
  return {submit_status::unavailable, unavailable_reason::shutting_down};
}

void event_log::count_rejection(queue_id q, submit_status s) {
  auto& m = metrics_->q[index_of(q)];
  switch (s) {
    case submit_status::queue_full:
      m.rejected_full->inc();
      break;
    case submit_status::unavailable:
      m.rejected_unavailable->inc();
      break;
    case submit_status::invalid:
      m.rejected_invalid->inc();
      break;
    case submit_status::accepted:
      break;
  }
}

submit_result event_log::try_submit(append_request&& request) {
  if (index_of(request.queue) >= queue_count) return {submit_status::invalid};
  const queue_id q = request.queue;
  if (!is_frameable(request.line)) {
    count_rejection(q, submit_status::invalid);
    return {submit_status::invalid};
  }
  if ((gate_.fetch_add(1, std::memory_order_seq_cst) & gate_closed) != 0) {
    gate_.fetch_sub(1, std::memory_order_release);
    count_rejection(q, submit_status::unavailable);
    return check_accepting();
  }
  if (degraded_.load(std::memory_order_acquire)) {
    gate_.fetch_sub(1, std::memory_order_release);
    count_rejection(q, submit_status::unavailable);
    return {submit_status::unavailable, degraded_reason_.load(std::memory_order_relaxed)};
  }
  frame_in_place(request.line);
  const std::size_t bytes = request.line.size();
  if (!reserve_bytes(bytes)) {
    gate_.fetch_sub(1, std::memory_order_release);
    unframe_in_place(request.line);
    count_rejection(q, submit_status::queue_full);
    return {submit_status::queue_full};
  }
  completion early;
  if (config_.ack == ack_mode::queued) early = std::move(request.done);
  if (!queue_.try_push(std::move(request))) {
    queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    gate_.fetch_sub(1, std::memory_order_release);
    unframe_in_place(request.line);
    if (early) request.done = std::move(early);
    count_rejection(q, submit_status::queue_full);
    return {submit_status::queue_full};
  }
  gate_.fetch_sub(1, std::memory_order_release);
  metrics_->q[index_of(q)].accepted->inc();
  if (early) early(status{});
  return {submit_status::accepted};
}

submit_result event_log::try_submit_batch(std::vector<append_request>&& requests) {
  if (requests.empty()) return {submit_status::accepted};
  auto reject_all = [&](submit_result r) {
    for (const auto& req : requests) {
      if (index_of(req.queue) < queue_count) count_rejection(req.queue, r.status);
    }
    return r;
  };
  for (const auto& req : requests) {
    if (index_of(req.queue) >= queue_count || !is_frameable(req.line)) {
      return reject_all({submit_status::invalid});
    }
  }
  if ((gate_.fetch_add(1, std::memory_order_seq_cst) & gate_closed) != 0) {
    gate_.fetch_sub(1, std::memory_order_release);
    return reject_all(check_accepting());
  }
  if (degraded_.load(std::memory_order_acquire)) {
    gate_.fetch_sub(1, std::memory_order_release);
    return reject_all(
        {submit_status::unavailable, degraded_reason_.load(std::memory_order_relaxed)});
  }
  std::size_t bytes = 0;
  for (auto& req : requests) {
    frame_in_place(req.line);
    bytes += req.line.size();
  }
  if (!reserve_bytes(bytes)) {
    gate_.fetch_sub(1, std::memory_order_release);
    for (auto& req : requests) unframe_in_place(req.line);
    return reject_all({submit_status::queue_full});
  }
  std::vector<completion> early;
  if (config_.ack == ack_mode::queued) {
    early.reserve(requests.size());
    for (auto& req : requests) early.push_back(std::move(req.done));
  }
  if (!queue_.try_push_bulk(std::span<append_request>(requests))) {
    queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    gate_.fetch_sub(1, std::memory_order_release);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      unframe_in_place(requests[i].line);
      if (!early.empty()) requests[i].done = std::move(early[i]);
    }
    return reject_all({submit_status::queue_full});
  }
  gate_.fetch_sub(1, std::memory_order_release);
  for (const auto& req : requests) metrics_->q[index_of(req.queue)].accepted->inc();
  for (auto& c : early) {
    if (c) c(status{});
  }
  return {submit_status::accepted};
}

bool event_log::reserve_bytes(std::size_t n) noexcept {
  const std::size_t before = queued_bytes_.fetch_add(n, std::memory_order_relaxed);
  if (before == 0 || before + n <= config_.queue_bytes) return true;
  queued_bytes_.fetch_sub(n, std::memory_order_relaxed);
  return false;
}

void event_log::complete(append_request& r, const status& st) {
  auto& m = metrics_->q[index_of(r.queue)];
  (st ? m.written : m.failed)->inc();
  if (!r.done) return;
  try {
    r.done(st);
  } catch (const std::exception& e) {
    log.error("completion handler threw", {{"what", e.what()}});
  } catch (...) {
    log.error("completion handler threw a non-exception");
  }
  r.done.reset();
}

void event_log::run() {
  std::vector<append_request> batch;
  batch.reserve(config_.max_batch);
  for (;;) {
    batch.clear();
    queue_.pop_bulk(batch, config_.max_batch);
    if (!batch.empty()) {
      std::size_t bytes = 0;
      for (const auto& r : batch) bytes += r.line.size();
      process_batch(batch);
      queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    }
    const auto now = clock::now();
    housekeeping(now);
    metrics_->depth->set(static_cast<double>(queue_.size_approx()));
    if (!batch.empty()) continue;
    const std::uint64_t gate = gate_.load(std::memory_order_seq_cst);
    if ((gate & gate_closed) != 0) {
      // Closed by request_stop (not merely not yet opened by start): leave once no producer is
      // between its gate check and its push, and nothing they pushed is left.
      if (state_.load(std::memory_order_seq_cst) == run_state::stopping && gate == gate_closed &&
          queue_.empty()) {
        break;
      }
      std::this_thread::yield();
      continue;
    }
    queue_.wait_for_items(idle_timeout(now), [this] {
      return (gate_.load(std::memory_order_acquire) & gate_closed) != 0;
    });
  }

  status final_status;
  if (degraded_.load(std::memory_order_relaxed)) try_resume(clock::now());
  for (std::size_t i = 0; i < writers_.size(); ++i) {
    auto& w = *writers_[i];
    const std::uint64_t before = w.segments_sealed();
    status st = w.failed() ? w.repair() : status{};
    if (st) st = w.seal();
    metrics_->q[i].sealed->inc(w.segments_sealed() - before);
    if (!st) {
      log.error("segment not sealed at shutdown; recovery will seal it",
                {{"dir", w.dir()}, {"error", st.error().message}});
      if (final_status) final_status = st;
    }
  }
  publish_active_names();
  {
    std::lock_guard lock(mu_);
    finished_ = true;
    final_status_ = final_status;
    health_ = final_status ? gg::health{health_state::stopped, {}}
                           : gg::health{health_state::down, final_status.error().message};
  }
  state_.store(run_state::stopped);
  finished_cv_.notify_all();
}

void event_log::process_batch(std::vector<append_request>& batch) {
  metrics_->batch_size->observe(static_cast<double>(batch.size()));
  if (degraded_.load(std::memory_order_relaxed)) {
    const status st = *degraded_error_;
    for (auto& r : batch) complete(r, st);
    return;
  }
  const auto now = clock::now();
  for (std::size_t q = 0; q < queue_count; ++q) {
    by_queue_[q].clear();
    outcome_[q] = status{};
  }
  for (std::size_t i = 0; i < batch.size(); ++i) by_queue_[index_of(batch[i].queue)].push_back(i);

  std::array<std::uint64_t, queue_count> sealed_before{};
  for (std::size_t q = 0; q < queue_count; ++q) sealed_before[q] = writers_[q]->segments_sealed();

  // 1. One writev run per queue.
  for (std::size_t q = 0; q < queue_count; ++q) {
    if (by_queue_[q].empty()) continue;
    iov_.clear();
    std::uint64_t bytes = 0;
    for (const std::size_t i : by_queue_[q]) {
      auto& line = batch[i].line;
      iov_.push_back({line.data(), line.size()});
      bytes += line.size();
    }
    auto st = writers_[q]->append(iov_, bytes, now);
    if (!st) {
      outcome_[q] = st;
      (st.error().code == errc::no_space ? metrics_->q[q].errors_no_space
                                         : metrics_->q[q].errors_io)
          ->inc();
      degrade(st.error());
      continue;
    }
    metrics_->q[q].bytes->inc(bytes);
  }

  // 2. ack_mode::written: acknowledged once write(2) took the bytes, before the sync.
  std::array<bool, queue_count> acked{};
  if (config_.ack == ack_mode::written) {
    for (std::size_t q = 0; q < queue_count; ++q) {
      if (by_queue_[q].empty() || !outcome_[q]) continue;
      for (const std::size_t i : by_queue_[q]) complete(batch[i], outcome_[q]);
      acked[q] = true;
    }
  }

  // 3. One fdatasync per touched segment.
  for (std::size_t q = 0; q < queue_count; ++q) {
    if (by_queue_[q].empty() || !outcome_[q]) continue;
    const auto t0 = clock::now();
    auto st = writers_[q]->sync();
    metrics_->fsync_seconds->observe(std::chrono::duration<double>(clock::now() - t0).count());
    if (!st) {
      outcome_[q] = st;
      (st.error().code == errc::no_space ? metrics_->q[q].errors_no_space
                                         : metrics_->q[q].errors_io)
          ->inc();
      if (acked[q]) {
        log.error("fdatasync failed after events were acknowledged as written",
                  {{"queue", to_string(all_queues[q])},
                   {"events", static_cast<std::uint64_t>(by_queue_[q].size())},
                   {"error", st.error().message}});
      }
      degrade(st.error());
    }
  }

  // 4. Everyone else learns the outcome now.
  for (std::size_t q = 0; q < queue_count; ++q) {
    if (acked[q]) continue;
    for (const std::size_t i : by_queue_[q]) complete(batch[i], outcome_[q]);
  }

  for (std::size_t q = 0; q < queue_count; ++q) {
    metrics_->q[q].sealed->inc(writers_[q]->segments_sealed() - sealed_before[q]);
  }
}

void event_log::housekeeping(clock::time_point now) {
  if (degraded_.load(std::memory_order_relaxed)) {
    if (now >= next_retry_) try_resume(now);
    return;
  }
  seal_due(now);
  publish_active_names();
}

void event_log::seal_due(clock::time_point now) {
  for (std::size_t q = 0; q < writers_.size(); ++q) {
    auto& w = *writers_[q];
    if (!w.due_for_seal(now)) continue;
    const std::uint64_t before = w.segments_sealed();
    auto st = w.seal();
    metrics_->q[q].sealed->inc(w.segments_sealed() - before);
    if (!st) {
      (st.error().code == errc::no_space ? metrics_->q[q].errors_no_space
                                         : metrics_->q[q].errors_io)
          ->inc();
      degrade(st.error());
      return;
    }
  }
}

void event_log::degrade(const error& e) {
  if (degraded_.load(std::memory_order_relaxed)) return;
  const bool full = e.code == errc::no_space;
  std::string detail =
      (full ? "disk full on " : "write errors on ") + config_.log_dir + ": " + e.message;
  degraded_error_ =
      gg::error{full ? errc::no_space : errc::io, "event log degraded: " + detail, true};
  degraded_reason_.store(full ? unavailable_reason::disk_full : unavailable_reason::write_error,
                         std::memory_order_relaxed);
  degraded_.store(true, std::memory_order_release);
  next_retry_ = clock::now() + config_.retry_interval;
  metrics_->degraded->set(1);
  log.error("event log degraded; refusing events until writes succeed again", {{"detail", detail}});
  std::lock_guard lock(mu_);
  health_ = {health_state::degraded, std::move(detail)};
}

void event_log::try_resume(clock::time_point now) {
  next_retry_ = now + config_.retry_interval;
  for (auto& w : writers_) {
    if (auto st = w->repair(); !st) {
      log.warn("segment repair failed; still degraded",
               {{"dir", w->dir()}, {"error", st.error().message}});
      return;
    }
  }
  if (degraded_reason_.load(std::memory_order_relaxed) == unavailable_reason::disk_full) {
    auto avail = fs_->available_bytes(config_.log_dir);
    if (!avail || *avail < config_.min_free_bytes) return;
  }
  degraded_error_.reset();
  degraded_reason_.store(unavailable_reason::none, std::memory_order_relaxed);
  degraded_.store(false, std::memory_order_release);
  metrics_->degraded->set(0);
  log.info("event log resumed; writes succeed again", {{"log_dir", config_.log_dir}});
  std::lock_guard lock(mu_);
  if (health_.state == health_state::degraded) health_ = {health_state::up, {}};
}

void event_log::publish_active_names() {
  bool changed = false;
  for (std::size_t q = 0; q < writers_.size(); ++q) {
    if (published_names_[q] != writers_[q]->active_name()) {
      published_names_[q] = writers_[q]->active_name();
      changed = true;
    }
  }
  if (!changed) return;
  std::lock_guard lock(mu_);
  active_names_ = published_names_;
}

std::chrono::nanoseconds event_log::idle_timeout(clock::time_point now) const {
  clock::time_point wake = now + std::chrono::seconds(1);
  for (const auto& w : writers_) {
    if (auto d = w->age_deadline()) wake = std::min(wake, *d);
  }
  if (degraded_.load(std::memory_order_relaxed)) wake = std::min(wake, next_retry_);
  return std::max(std::chrono::nanoseconds::zero(),
                  std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now));
}

event_log_stats event_log::stats() const {
  event_log_stats s;
  {
    std::lock_guard lock(mu_);
    s.health = health_;
    for (std::size_t q = 0; q < queue_count; ++q) s.queues[q].active_segment = active_names_[q];
  }
  s.queue_depth = queue_.size_approx();
  s.queue_capacity = queue_.capacity();
  s.queue_bytes = queued_bytes_.load(std::memory_order_relaxed);
  s.queue_bytes_capacity = config_.queue_bytes;
  const sys_us now = now_us();
  for (const queue_id id : all_queues) {
    auto& qs = s.queues[index_of(id)];
    qs.queue = id;
    qs.events_accepted = metrics_->q[index_of(id)].accepted->value();
    qs.bytes_written = metrics_->q[index_of(id)].bytes->value();
    auto names = fs_->list_dir(join_path(config_.log_dir, to_string(id)));
    if (!names) continue;
    std::optional<sys_us> oldest;
    for (const auto& n : *names) {
      const auto parsed = parse_segment_name(n);
      if (!parsed || parsed->open) continue;
      ++qs.sealed_waiting;
      if (!oldest || parsed->first_event_time < *oldest) oldest = parsed->first_event_time;
    }
    if (oldest) qs.oldest_sealed_age = std::max(std::chrono::microseconds::zero(), now - *oldest);
  }
  return s;
}

}  // namespace gg::eventlog
