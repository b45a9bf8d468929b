#pragma once
// The durable event log stage: ingest hands it enriched events; one writer thread appends them
// to per-queue segment files with group commit and reports back when each one is safe.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/eventlog/completion.hpp>
#include <gadgetgrove/eventlog/file_system.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/eventlog/segment_writer.hpp>
#include <gadgetgrove/queue/bounded_queue.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace gg::eventlog {

/// When a submitter's completion is called, and so what a crash can lose after a success answer.
enum class ack_mode : std::uint8_t {
  durable,  // after fdatasync returned OK: nothing acknowledged is lost, even on power loss
  written,  // after write(2), before fdatasync: survives a process crash, not a power loss
  queued,   // as soon as the event is in the in-memory queue: a crash loses what was queued
};
std::string_view to_string(ack_mode m) noexcept;
std::optional<ack_mode> parse_ack_mode(std::string_view text) noexcept;

/// One event for the log. `line` is the enriched JSON object (compact, no newline, no framing);
/// the log frames it in place, so reserving frame_overhead extra bytes avoids a reallocation.
struct append_request {
  queue_id queue = queue_id::event_queue;
  std::string line;
  completion done;
};

enum class submit_status : std::uint8_t {
  accepted,     // queued; `done` will be called exactly once
  queue_full,   // shed the load (503 + Retry-After); `done` will not be called
  unavailable,  // see the reason; `done` will not be called
  invalid,      // the line is not a frameable object (see is_frameable); `done` will not be called
};

enum class unavailable_reason : std::uint8_t {
  none,
  not_running,    // start() has not been called or failed
  shutting_down,  // request_stop() was called
  disk_full,      // degraded: a write or sync failed with ENOSPC/EDQUOT; retrying
  write_error,    // degraded: a write or sync failed with another error; retrying
};

struct submit_result {
  submit_status status = submit_status::accepted;
  unavailable_reason reason = unavailable_reason::none;
  bool accepted() const noexcept { return status == submit_status::accepted; }
};
std::string_view to_string(submit_status s) noexcept;
std::string_view to_string(unavailable_reason r) noexcept;

struct event_log_config {
  /// `<data-dir>/log`; each queue gets a directory in it.
  std::string log_dir = "data/log";
  /// Where corrupt segments go (`<dir>/<queue>/`); empty means `<log_dir>/../quarantine`.
  std::string quarantine_dir;
  /// Events the in-memory queue holds (rounded up to a power of two).
  std::size_t queue_capacity = 65536;
  /// Bytes of framed lines the in-memory queue holds; a submission that would pass it is
  /// answered queue_full (one submission larger than the bound is taken when the queue is
  /// empty, so the bound holds up to that one). Counted from the push until the writer is
  /// done with the batch, so it bounds what waits for the disk, not only the ring.
  std::size_t queue_bytes = 128ULL << 20;
  /// A segment is sealed before a batch would take it past this size...
  std::uint64_t rotate_bytes = 64ULL << 20;
  /// ...or once its first event is this old.
  std::chrono::milliseconds rotate_age{1000};
  ack_mode ack = ack_mode::durable;
  /// Most events written per group commit.
  std::size_t max_batch = 4096;
  /// While degraded, how often the writer tries to repair and resume.
  std::chrono::milliseconds retry_interval{1000};
  /// After a disk-full error, writing resumes only once this much space is free again.
  std::uint64_t min_free_bytes = 1ULL << 20;
  /// File system to use; null means the real one.
  std::shared_ptr<file_system> fs;
  /// Metrics registry; null means gg::metrics::global().
  metrics::registry* metrics = nullptr;
};

struct queue_stats {
  queue_id queue = queue_id::event_queue;
  // Totals from the metrics registry (so, with the global one, since the process started).
  std::uint64_t events_accepted = 0;
  std::uint64_t bytes_written = 0;   // framed bytes
  std::string active_segment;        // file name, empty when none is open
  std::uint64_t sealed_waiting = 0;  // `.jsonl` files in the queue directory (not yet loaded)
  /// Age of the first event of the oldest sealed segment still waiting; nullopt when none.
  std::optional<std::chrono::microseconds> oldest_sealed_age;
};

struct event_log_stats {
  std::array<queue_stats, queue_count> queues;
  std::size_t queue_depth = 0;
  std::size_t queue_capacity = 0;
  std::size_t queue_bytes = 0;  // framed bytes submitted and not yet written
  std::size_t queue_bytes_capacity = 0;
  gg::health health;
};

/// The "eventlog" stage. Producers (HTTP I/O threads) call try_submit/try_submit_batch, which
/// never block: they frame the line, push it onto a bounded lock-free queue and return. One
/// writer thread pops everything waiting (up to max_batch), writes each queue's lines with
/// writev into its active segment, makes one fdatasync per touched segment, then calls every
/// completion of the batch (group commit). With ack_mode::durable (the default) a completion is
/// told OK only once its line is synced; with `written` once write(2) took it; only `queued`
/// acknowledges before the write (see docs/formats/segment.md for what each mode can lose).
///
/// On a write or sync error the affected events' completions get errc::no_space or errc::io,
/// the stage turns degraded (health() says why), submissions answer `unavailable`, and the
/// writer retries every retry_interval: it cuts the segment back to its last synced offset and
/// resumes once that works (and, after ENOSPC, once min_free_bytes are free).
///
/// Thread safety: try_submit, try_submit_batch, stats and health may be called from any thread
/// at any time; recover, start, request_stop and drain follow gg::stage (one control thread).
/// The destructor drains what is queued.
class event_log final : public gg::stage {
 public:
  explicit event_log(event_log_config config);
  ~event_log() override;
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  std::string_view name() const noexcept override { return "eventlog"; }
  /// Recovers the segment directories (see recover_queue_dir), then starts the writer thread.
  status start() override;
  /// Stops accepting; the writer finishes what is queued. Idempotent, does not block.
  void request_stop() override;
  /// Stops accepting, writes and syncs everything queued, seals the active segments, completes
  /// every request, and joins the writer. Errors: timeout (the writer is still busy at `until`)
  /// or the write/seal error that left events unwritten.
  status drain(deadline until) override;
  gg::health health() const override;

  /// Runs start-up recovery on every queue directory. start() calls it; call it directly only
  /// when the writer is not running (tools, tests). Blocks on fsyncs.
  status recover();

  /// Hands one event to the log. Never blocks (except for the completion call itself with
  /// ack_mode::queued, which runs on this thread before returning). `request` is moved from
  /// only when accepted.
  submit_result try_submit(append_request&& request);
  /// All of `requests` or none: either every one is accepted (and the vector's elements are
  /// moved from) or none is and the result says why.
  submit_result try_submit_batch(std::vector<append_request>&& requests);

  /// For GET /api/analytics/stats: counters, active segments, and a listing of each queue
  /// directory for the sealed backlog. Any thread; takes a mutex briefly and lists 5 directories.
  event_log_stats stats() const;
  const event_log_config& config() const noexcept { return config_; }

 private:
  struct metric_set;
  enum class run_state : std::uint8_t { created, running, stopping, stopped };

  submit_result check_accepting() const noexcept;
  /// Takes `n` bytes of the queue's byte bound; false (nothing taken) when they do not fit.
  bool reserve_bytes(std::size_t n) noexcept;
  void count_rejection(queue_id q, submit_status s);
  void run();
  void process_batch(std::vector<append_request>& batch);
  void complete(append_request& r, const status& st);
  void housekeeping(segment_writer::clock::time_point now);
  void degrade(const error& e);
  void try_resume(segment_writer::clock::time_point now);
  void seal_due(segment_writer::clock::time_point now);
  void publish_active_names();
  std::chrono::nanoseconds idle_timeout(segment_writer::clock::time_point now) const;

  event_log_config config_;
  std::shared_ptr<file_system> fs_;
  std::unique_ptr<metric_set> metrics_;
  queue::bounded_queue<append_request> queue_;

  // Submission gate: producers add 1 while they push; the stop bit closes it. The writer
  // exits only when the gate is closed, no producer is inside, and the queue is empty.
  static constexpr std::uint64_t gate_closed = std::uint64_t{1} << 63;
  alignas(64) std::atomic<std::uint64_t> gate_{gate_closed};
  alignas(64) std::atomic<std::size_t> queued_bytes_{0};  // see event_log_config::queue_bytes
  std::atomic<bool> degraded_{false};
  std::atomic<unavailable_reason> degraded_reason_{unavailable_reason::none};
  std::atomic<run_state> state_{run_state::created};
  std::atomic<bool> stop_requested_{false};

  // Writer-thread state.
  std::vector<std::unique_ptr<segment_writer>> writers_;
  std::array<std::vector<std::size_t>, queue_count> by_queue_;
  std::array<status, queue_count> outcome_;
  std::vector<::iovec> iov_;
  std::array<std::string, queue_count> published_names_;
  std::optional<error> degraded_error_;
  segment_writer::clock::time_point next_retry_{};

  mutable std::mutex mu_;  // guards health_, active_names_, finished_, final_status_
  std::condition_variable finished_cv_;
  gg::health health_;
  std::array<std::string, queue_count> active_names_;
  bool finished_ = false;
  status final_status_;
  std::thread writer_;
};

}  // namespace gg::eventlog
