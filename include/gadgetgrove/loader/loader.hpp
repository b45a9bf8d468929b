#pragma once
// The loader stage: sealed segments -> PostgreSQL raw_data.<queue>, exactly once.
//
// Each segment is loaded by one worker in one transaction that inserts its ledger row
// (pipeline.loaded_segments), streams its rows with binary COPY and stores its rejected lines
// (raw_data.rejected_events). A segment already in the ledger is never loaded again; one that
// was not committed (crash, PostgreSQL down) stays in log/ and is loaded in full later. After
// the commit the file moves to archive/<queue>/<yyyy-mm-dd>/.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/loader/segment_store.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gg::loader {

struct loader_options {
  /// The program's data directory (segments under log/, archive/, quarantine/).
  std::filesystem::path data_dir = "data";
  /// libpq conninfo of the database holding raw_data.* and pipeline.*.
  std::string conninfo;
  /// Segments loaded in parallel, each on its own connection; 0: one per core.
  unsigned threads = 0;
  /// Continuous mode: the directory scan that backs up inotify.
  std::chrono::milliseconds poll_interval{1000};
  /// Continuous mode: waits after a failed run, doubling from min to max.
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
  /// Continuous mode: runs are summed into one ingestion summary artifact per interval.
  std::chrono::milliseconds summary_interval{60'000};
  /// How long a worker waits for a connection before its run fails (retried later).
  std::chrono::milliseconds connect_timeout{10'000};
  /// Bytes read from a segment at a time, and COPY data sent to the server at a time.
  std::size_t read_chunk_bytes = std::size_t{4} << 20;
  std::size_t copy_chunk_bytes = std::size_t{1} << 20;
  /// Write an ingestion summary artifact after every load_once() (the CLI and the flows do).
  bool write_artifacts = true;
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

/// The loader stage ("loader", after "pg" and "eventlog"). start() runs continuous
/// micro-batching on a thread of its own: inotify on log/<queue>/ (a segment sealed by rename
/// is picked up at once) backed by a poll every poll_interval, with a worker per segment up to
/// `threads`. While PostgreSQL is unreachable it backs off (backoff_min doubling to
/// backoff_max), reports health degraded with the reason and keeps the segments on disk.
/// load_once(), replay_rejects() and cleanup() are also callable directly (the CLI, the flows);
/// all public members are thread-safe and load runs never overlap: a run waits for the one in
/// progress.
class loader final : public gg::stage {
 public:
  explicit loader(loader_options options);
  ~loader() override;
  loader(const loader&) = delete;
  loader& operator=(const loader&) = delete;

  std::string_view name() const noexcept override { return "loader"; }
  std::vector<std::string> depends_on() const override { return {"pg", "eventlog"}; }
  status start() override;
  void request_stop() override;
  /// Waits for the run in progress; past `until` it cancels the in-flight COPYs (their
  /// segments roll back and load again next time) and reports that.
  status drain(deadline until) override;
  gg::health health() const override;

  /// Loads every pending segment and returns what happened per queue; writes the ingestion
  /// summary artifact. Blocks. An error only when the run could not start (data directory
  /// unreadable); segment failures are counted in the summary with the first error.
  result<load_summary> load_once();

  /// Re-parses rows of raw_data.rejected_events not yet replayed, loads those that pass now
  /// (into raw_data.<queue of their segment>) and stamps their replayed_at, in batches of one
  /// transaction each. Blocks.
  result<replay_summary> replay_rejects();

  /// Deletes archived segments older than `retention` (zero keeps everything) and records an
  /// "Archive Cleanup Report" artifact (logged, not failed, when PostgreSQL is down). Blocks.
  result<cleanup_summary> cleanup(std::chrono::milliseconds retention);
  /// cleanup(options().archive_retention).
  result<cleanup_summary> cleanup();

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
