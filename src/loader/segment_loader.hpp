#pragma once
// Loads one segment in one transaction: ledger row, rows by binary COPY, rejected lines.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/loader/segment_store.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include "chunk_mode.hpp"
#include "copy_encoder.hpp"
#include "line_parser.hpp"

#include "guarded_copy.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace gg::loader::detail {

enum class segment_outcome : std::uint8_t {
  loaded,          // committed now
  already_loaded,  // the ledger has it with the same checksum: archive only
  conflicting,     // the ledger has another file under this name: quarantine
};

struct segment_result {
  segment_outcome outcome = segment_outcome::loaded;
  std::uint64_t rows = 0;
  std::uint64_t rejected = 0;
  std::uint64_t bytes = 0;
  std::map<std::string, std::uint64_t> rejects_by_reason;
  double seconds = 0;  // from BEGIN to COMMIT
};

/// The SQL the loader sends for one queue; queue names come from the fixed list of queues,
/// never from input, so they are safe to place in identifiers.
std::string copy_rows_sql(std::string_view queue);

/// The SQL that finds which of a list of event_ids ($1, a uuid[] literal) `queue` holds.
std::string existing_ids_sql(std::string_view queue);

/// The counters a segment load adds to, one set per registry: the loader stage's workers and a
/// segment_unit count into the same series.
struct segment_counters {
  metrics::counter& guarded;         // segments loaded again under row-level savepoints
  metrics::counter& streamed;        // chunks streamed
  metrics::counter& looked_up;       // chunks whose ids were looked up before their COPY
  metrics::counter& stream_retries;  // streamed chunks copied again after a lookup

  static segment_counters in(metrics::registry& reg);
};

struct uuid_hash {
  std::size_t operator()(const gg::uuid& id) const noexcept;
};

/// One worker's reusable state (parser, buffers). Not thread-safe: one per worker thread.
class segment_loader {
 public:
  /// `counters` must outlive this.
  segment_loader(std::size_t read_chunk_bytes, std::size_t copy_chunk_bytes,
                 segment_counters counters);

  /// Loads `segment` on `conn` (which must be outside a transaction) and commits. Does not move
  /// the file. On error nothing was committed, except when the error is COMMIT's own
  /// (connection lost during COMMIT): then the ledger decides on the next attempt.
  /// Rows go in chunks, each under a savepoint. Until a duplicate turns up a chunk is streamed
  /// (see chunk_mode): its COPY takes the rows while they are parsed. After one, the ids of
  /// each chunk are looked up in the raw table before its COPY, so that a client's retries do
  /// not make COPYs fail; a streamed chunk that meets an id already loaded goes back to its
  /// savepoint and through the lookup. A repeated event_id within the segment is set aside
  /// before COPY. All of these become duplicate_event_id rejects.
  /// Only a value PostgreSQL refuses makes the segment load again under row-level savepoints
  /// (counted in gadgetgrove_loader_guarded_segments_total).
  /// Once `cancelled` (may be null) is set, the load stops before its next statement or its
  /// next slice of a streamed COPY with errc::cancelled and rolls back (a statement in flight
  /// is the canceller's business).
  /// `in_transaction` (may be empty) runs on `conn` inside the load's transaction, after the
  /// rows and before the commit, on every attempt that commits rows: what it writes commits
  /// or rolls back with them (the stream loader's offset). Not run when the ledger already has
  /// the segment.
  result<segment_result> load(pg::connection& conn, const segment_ref& segment,
                              const std::atomic<bool>* cancelled = nullptr,
                              const std::function<status(pg::connection&)>& in_transaction = {});

 private:
  // One attempt; `guarded` sends rows in chunks under savepoints so that rows PostgreSQL
  // refuses become rejects (used after an unguarded attempt failed on a row error).
  // `check_legacy` also looks for the segment under its legacy_key().
  result<segment_result> attempt(pg::connection& conn, const segment_ref& segment, bool guarded,
                                 const std::atomic<bool>* cancelled,
                                 const std::function<status(pg::connection&)>& in_transaction,
                                 bool check_legacy = true);
  result<segment_result> compare_with_ledger(pg::connection& conn, const segment_ref& segment);
  // Whether the file's XXH3-64 is `checksum` (16 hex digits); true when the file is gone
  // (archived by another loader once committed).
  result<bool> same_file(const segment_ref& segment, std::string_view checksum);
  void add_reject(const segment_ref& segment, std::uint64_t line_no, const std::string& reason,
                  std::string_view raw, segment_result& result);
  // Fills loaded_ids_ with the chunk's ids that the raw table holds.
  status lookup_loaded(pg::connection& conn, const segment_ref& segment);
  // Looks up the chunk's ids, rejects those already loaded, copies the rest.
  status flush_chunk(pg::connection& conn, const segment_ref& segment, bool guarded,
                     segment_result& result);
  // A streamed chunk: SAVEPOINT and COPY begun at its first row, its rows sent in slices while
  // they are encoded, finished at its end.
  status start_stream(pg::connection& conn, const segment_ref& segment);
  status send_streamed(pg::connection& conn);
  status flush_streamed(pg::connection& conn, const segment_ref& segment, bool guarded,
                        segment_result& result);
  // The streamed chunk's COPY failed with `e`. When it met an id a concurrent or earlier load
  // committed (or was a deadlock victim of one), the chunk is rolled back to its savepoint and
  // its rows stay in batch_ for flush_chunk(); any other error is returned.
  status abandon_stream(pg::connection& conn, const gg::error& e);
  void clear_chunk();

  std::size_t read_chunk_bytes_;
  std::size_t copy_chunk_bytes_;
  segment_counters counters_;
  line_parser parser_;
  event_row row_;
  std::string reject_buffer_;  // binary COPY rows for raw_data.rejected_events
  std::string raw_scratch_;
  // The current chunk: its rows, and the event_id, line and raw text each came from.
  encoded_rows batch_;
  std::vector<gg::uuid> batch_ids_;
  std::vector<std::uint64_t> batch_lines_;
  std::string batch_raw_;
  std::vector<std::size_t> batch_raw_ends_;
  encoded_rows fresh_;             // the chunk's rows not loaded yet, when some were
  std::vector<std::size_t> kept_;  // chunk index of each row of fresh_
  std::string id_list_;            // the chunk's ids as a uuid[] literal
  std::unordered_set<gg::uuid, uuid_hash> seen_ids_;    // ids of the segment so far
  std::unordered_set<gg::uuid, uuid_hash> loaded_ids_;  // ids of the chunk already loaded
  chunk_mode mode_;
  // The chunk's COPY while it is streamed, and how much of batch_.data it has been sent.
  // Destroyed (the COPY aborted) before the attempt's transaction rolls back.
  std::optional<pg::copy_writer> stream_;
  std::size_t streamed_bytes_ = 0;
};

}  // namespace gg::loader::detail
