#pragma once
// Loads one segment in one transaction: ledger row, rows by binary COPY, rejected lines.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/loader/copy_encoder.hpp>
#include <gadgetgrove/loader/line_parser.hpp>
#include <gadgetgrove/loader/segment_store.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include "guarded_copy.hpp"

#include <cstdint>
#include <map>
#include <string>

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

/// One worker's reusable state (parser, buffers). Not thread-safe: one per worker thread.
class segment_loader {
 public:
  segment_loader(std::size_t read_chunk_bytes, std::size_t copy_chunk_bytes);

  /// Loads `segment` on `conn` (which must be outside a transaction) and commits. Does not move
  /// the file. On error nothing was committed, except when the error is COMMIT's own
  /// (connection lost during COMMIT): then the ledger decides on the next attempt.
  result<segment_result> load(pg::connection& conn, const segment_ref& segment);

 private:
  // One attempt; `guarded` sends rows in batches under savepoints so that rows PostgreSQL
  // refuses become rejects (used after an unguarded attempt failed on a row error).
  result<segment_result> attempt(pg::connection& conn, const segment_ref& segment, bool guarded);
  result<segment_result> compare_with_ledger(pg::connection& conn, const segment_ref& segment);
  void add_reject(const segment_ref& segment, std::uint64_t line_no, const std::string& reason,
                  std::string_view raw, segment_result& result);
  status flush_guarded(pg::connection& conn, const segment_ref& segment, segment_result& result);

  std::size_t read_chunk_bytes_;
  std::size_t copy_chunk_bytes_;
  line_parser parser_;
  event_row row_;
  std::string copy_buffer_;
  std::string reject_buffer_;  // binary COPY rows for raw_data.rejected_events
  std::string raw_scratch_;
  // Guarded mode: the rows of the current batch and the line each came from.
  encoded_rows batch_;
  std::vector<std::uint64_t> batch_lines_;
  std::string batch_raw_;
  std::vector<std::size_t> batch_raw_ends_;
};

}  // namespace gg::loader::detail
