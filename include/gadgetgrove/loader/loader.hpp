#pragma once
// The loader stage: sealed segments -> PostgreSQL raw_data.<queue>, exactly once.
//
// Each segment is loaded by one worker in one transaction that inserts its ledger row
// (pipeline.loaded_segments), streams its rows with binary COPY and stores its rejected lines
// (raw_data.rejected_events). A segment already in the ledger is never loaded again; one that
// was not committed (crash, PostgreSQL down) stays in log/ and is loaded in full later. After
// the commit the file moves to archive/<queue>/<yyyy-mm-dd>/.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/loader/segment_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace gg::loader {

struct loader_options {
  /// The program's data directory (segments under log/, archive/, quarantine/).
  std::filesystem::path data_dir = "data";
  /// libpq conninfo of the database holding raw_data.* and pipeline.*.
  std::string conninfo;
  /// This node's id (--node-id, core/node_id.hpp): the ledger keys the segments of this data
  /// directory as "<queue>/<node_id>/<file>", so nodes sharing one warehouse never collide on a
  /// file name. Empty: the host name.
  std::string node_id;
  /// Segments loaded in parallel, each on its own connection; 0: one per core.
  unsigned threads = 0;
  /// Continuous mode: the directory scan that backs up inotify.
  std::chrono::milliseconds poll_interval{1000};
  /// Continuous mode: the most segments one micro-batch loads (0: two per worker). A backlog
  /// is loaded by consecutive micro-batches, so other work queued on the shared blocking pool
  /// (scheduler jobs, flow tasks) runs in between instead of waiting for the whole backlog.
  std::size_t batch_segments = 0;
  /// Continuous mode: watch log/<queue>/ with inotify; false polls only (file systems without
  /// inotify events, such as some network mounts).
  bool use_inotify = true;
  /// Continuous mode: waits after a failed run, doubling from min to max.
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
  /// Continuous mode: runs are summed into one ingestion summary artifact per interval (when
  /// interval_artifacts), checked after each micro-batch and at least every poll_interval.
  std::chrono::milliseconds summary_interval{60'000};
  /// How long a worker waits for a connection before its run fails (retried later).
  std::chrono::milliseconds connect_timeout{10'000};
  /// Bytes read from a segment at a time, and the most COPY data in one chunk of rows (the
  /// unit of one savepoint; an eighth of it when a segment loads again row by row).
  std::size_t read_chunk_bytes = std::size_t{4} << 20;
  std::size_t copy_chunk_bytes = std::size_t{8} << 20;
  /// Write an ingestion summary artifact after every load_once() (the CLI does).
  bool write_artifacts = true;
  /// Continuous mode writes the interval's summed runs as its own ingestion summary artifact
  /// (flow "load", every summary_interval and on drain). Turn it off when a scheduled flow
  /// stores take_interval_summary() under its own run id instead.
  bool interval_artifacts = true;
  /// cleanup() without an argument deletes archived segments older than this; 0 keeps them.
  std::chrono::milliseconds archive_retention{3'600'000};
};

/// What one run did for one queue.
struct queue_load {
  std::string queue;
  std::uint64_t segments = 0;  // committed by this run
  std::uint64_t rows = 0;
  std::uint64_t rejected = 0;
  std::uint64_t bytes = 0;  // segment bytes read
};

/// The result of a load run (load_once() or one micro-batch).
struct load_summary {
  std::string run_id;
  sys_us started{};
  double seconds = 0;
  std::vector<queue_load> queues;  // one per queue, in eventlog::all_queues order
  std::map<std::string, std::uint64_t> rejects_by_reason;
  std::uint64_t already_loaded = 0;  // found in the ledger (a crash after commit): archived only
  std::uint64_t quarantined = 0;     // a different file under a loaded name
  std::uint64_t failed = 0;          // left in log/ for a later run
  std::optional<gg::error> first_error;
  /// The run stopped early because its stop token (or the stage's stop) was requested: its
  /// in-flight COPYs were cancelled and rolled back, and every segment it did not commit is
  /// counted in `failed` and loads on a later run. Not carried by merge().
  bool cancelled = false;

  std::uint64_t segments() const noexcept;
  std::uint64_t rows() const noexcept;
  std::uint64_t rejected() const noexcept;
  std::uint64_t bytes() const noexcept;
  double rows_per_second() const noexcept;
  /// Adds another run's counts (continuous mode sums micro-batches into one summary).
  void merge(const load_summary& other);
};

/// The result of replay_rejects().
struct replay_summary {
  std::uint64_t examined = 0;
  std::uint64_t loaded = 0;          // now in raw_data.<queue>, marked replayed
  std::uint64_t still_rejected = 0;  // left for a later replay
  std::map<std::string, std::uint64_t> loaded_per_queue;
};

/// The result of cleanup().
struct cleanup_summary {
  std::string run_id;
  std::chrono::milliseconds retention{0};
  std::vector<queue_cleanup> queues;
  std::uint64_t files() const noexcept;
  std::uint64_t bytes() const noexcept;
};

/// Where a loader runs its work; both belong to the caller and must outlive the loader.
/// `io` carries continuous mode's inotify descriptor and timers (start() needs it). `blocking`
/// runs continuous mode's micro-batches and every run's extra workers; without it a run's extra
/// workers use a pool the loader makes at its first run with more than one pending segment
/// (threads - 1 threads, kept until the loader is destroyed).
struct loader_runtime {
  boost::asio::io_context* io = nullptr;
  std::optional<boost::asio::thread_pool::executor_type> blocking;
  /// Where the loader's metrics are registered (it must outlive the loader); null means
  /// gg::metrics::global().
  metrics::registry* metrics = nullptr;
};

/// Called with a run's summary after every run that committed rows (a continuous-mode
/// micro-batch or load_once()), on the thread that ran it (a blocking-pool thread or the caller
/// of load_once(), never an io thread), after the run has finished. It must not block for long.
using loaded_callback = std::function<void(const load_summary&)>;

/// The loader stage ("loader", after "pg" and "eventlog"). start() runs continuous
/// micro-batching on the runtime's executors (no thread of its own): inotify on log/<queue>/
/// (a segment sealed by rename is picked up at once) watched on the io_context, backed by a
/// poll every poll_interval; each micro-batch runs on the blocking pool, never two at once, and
/// a segment sealed during a batch is loaded by one follow-up batch. Each run loads its
/// segments with up to `threads` workers, each on its own connection: the thread running the
/// batch works and the other workers are tasks on the blocking pool pulling from the same list,
/// so a pool with fewer free threads only means less parallelism, never a deadlock. While
/// PostgreSQL is unreachable it backs off (backoff_min doubling to backoff_max), reports health
/// degraded with the reason and keeps the segments on disk.
///
/// load_once(), replay_rejects() and cleanup() are also callable directly (the CLI, flow tasks),
/// with a stop token that cancels them. All public members are thread-safe and load runs never
/// overlap: a run waits for the one in progress.
class loader final : public gg::stage {
 public:
  explicit loader(loader_options options, loader_runtime runtime = {});
  /// Waits for a run in progress (after request_stop(), so it stops at the next segment).
  ~loader() override;
  loader(const loader&) = delete;
  loader& operator=(const loader&) = delete;

  std::string_view name() const noexcept override { return "loader"; }
  std::vector<std::string> depends_on() const override { return {"pg", "eventlog"}; }
  /// Starts continuous mode. Errors: invalid_input without runtime.io, conflict when started
  /// already, and the data directory's errors.
  status start() override;
  /// No new micro-batches; a run in progress stops before its next segment.
  void request_stop() override;
  /// Waits until the run in progress ends and stores the interval's summary (when
  /// interval_artifacts). When `until` passes first it cancels the in-flight COPYs (their
  /// segments roll back and load again next time) and returns errc::timeout at once, saying
  /// so; the destructor then waits for the cancelled run.
  status drain(deadline until) override;
  gg::health health() const override;

  /// Loads every pending segment and returns what happened per queue; writes the ingestion
  /// summary artifact when write_artifacts. Blocks, also while another run is in progress.
  /// A stop (the token or request_stop()) stops the run: in-flight COPYs are cancelled and the
  /// summary says `cancelled`; errc::cancelled when it came before the run began. Other errors
  /// only when the run could not start (data directory unreadable); segment failures are
  /// counted in the summary with the first error.
  result<load_summary> load_once(std::stop_token stop = {});

  /// Re-parses rows of raw_data.rejected_events not yet replayed, loads those that pass now
  /// (into raw_data.<queue of their segment>) and stamps their replayed_at, in batches of one
  /// transaction each. Blocks. A stop cancels the batch in flight (it rolls back; the batches
  /// committed before stay) and returns errc::cancelled.
  result<replay_summary> replay_rejects(std::stop_token stop = {});

  /// Deletes archived segments older than `retention` (zero keeps everything) and records an
  /// "Archive Cleanup Report" artifact (logged, not failed, when PostgreSQL is down). Blocks.
  /// errc::cancelled when `stop` was requested before it began.
  result<cleanup_summary> cleanup(std::chrono::milliseconds retention, std::stop_token stop = {});
  /// cleanup(options().archive_retention, stop).
  result<cleanup_summary> cleanup(std::stop_token stop = {});

  /// Installs the callback run after every run that committed rows (see loaded_callback);
  /// replaces the previous one. Any thread; runs already finished are not reported.
  void on_loaded(loaded_callback fn);

  /// The runs (micro-batches and load_once()) summed since the previous call, or since the
  /// loader was made, and starts a new interval (a fresh run_id and start time). With
  /// interval_artifacts on, the loader's own periodic artifact shares this interval: take it
  /// from one place only.
  load_summary take_interval_summary();

  const loader_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// `gadgetgrove load --once`: one loader, one run, no stage machinery.
result<load_summary> load_once(const loader_options& options);
/// `gadgetgrove load --replay-rejects`.
result<replay_summary> replay_rejects(const loader_options& options);
/// The archive cleanup flow: cleanup(options.archive_retention).
result<cleanup_summary> cleanup(const loader_options& options);

}  // namespace gg::loader
