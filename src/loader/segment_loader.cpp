#include "segment_loader.hpp"

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/loader/segment_reader.hpp>
#include <gadgetgrove/pg/sqlstate.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include <chrono>

namespace gg::loader::detail {
namespace {

constexpr logger log{"loader"};

// Guarded mode sends this many rows per savepoint: few round trips when all is well, a short
// row-by-row retry when one batch holds a refused row.
constexpr std::size_t guarded_batch_rows = 1000;

constexpr int max_attempts = 4;

constexpr std::string_view reject_copy_sql =
    "COPY raw_data.rejected_events (segment, line_no, reason, raw) FROM STDIN (FORMAT binary)";

std::string hex16(std::uint64_t v) {
  std::string s(16, '0');
  write_hex16(v, s.data());
  return s;
}

}  // namespace

std::string copy_rows_sql(std::string_view queue) {
  std::string sql = "COPY raw_data.";
  sql += queue;
  sql += " (";
  for (std::size_t i = 0; i < event_columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += event_columns[i];
  }
  sql += ") FROM STDIN (FORMAT binary)";
  return sql;
}

segment_loader::segment_loader(std::size_t read_chunk_bytes, std::size_t copy_chunk_bytes)
    : read_chunk_bytes_(read_chunk_bytes), copy_chunk_bytes_(copy_chunk_bytes) {
  copy_buffer_.reserve(copy_chunk_bytes_ + (copy_chunk_bytes_ >> 2));
}

result<segment_result> segment_loader::load(pg::connection& conn, const segment_ref& segment) {
  bool guarded = false;
  for (int attempt_no = 1;; ++attempt_no) {
    auto r = attempt(conn, segment, guarded);
    if (r) return r;
    const gg::error e = r.error();  // result::error() returns a copy
    if (!guarded && pg::is_data_error(e)) {
      // A duplicate event_id (23505) or a value the server refuses: load the segment again
      // with savepoints so that only the offending lines become rejects.
      log.info("PostgreSQL refused a row; loading the segment again with row-level guards",
               {{"segment", segment.key()}, {"error", e.message}});
      guarded = true;
    } else if (pg::retry_of(e) == pg::retry_scope::transaction && attempt_no < max_attempts) {
      // Two workers inserting the same duplicated event_ids in opposite orders: the server
      // picked this one as the deadlock victim. The other has committed or will soon.
      log.info("segment load was a deadlock victim; trying again", {{"segment", segment.key()}});
    } else {
      return r;
    }
  }
}

void segment_loader::add_reject(const segment_ref& segment, std::uint64_t line_no,
                                const std::string& reason, std::string_view raw,
                                segment_result& result) {
  raw_scratch_.clear();
  append_storable_text(raw_scratch_, raw);
  copy_encoder enc(reject_buffer_);
  enc.row(4);
  enc.text(std::string_view{segment.key()});
  enc.int8(static_cast<std::int64_t>(line_no));
  enc.text(std::string_view{reason});
  enc.text(std::string_view{raw_scratch_});
  ++result.rejected;
  ++result.rejects_by_reason[reason];
}

status segment_loader::flush_guarded(pg::connection& conn, const segment_ref& segment,
                                     segment_result& result) {
  if (batch_.size() == 0) return {};
  auto refused = guarded_copy(conn, copy_rows_sql(segment.queue), batch_);
  if (!refused) return refused.error();
  for (const auto& r : *refused) {
    const std::size_t begin = r.index == 0 ? 0 : batch_raw_ends_[r.index - 1];
    const std::string_view raw =
        std::string_view{batch_raw_}.substr(begin, batch_raw_ends_[r.index] - begin);
    // The only unique index of a raw table is the one on event_id.
    const reject_reason why = r.sqlstate == "23505"
                                  ? reject_reason{reject_code::duplicate_event_id, {}}
                                  : reject_reason{reject_code::database_error, r.sqlstate};
    add_reject(segment, batch_lines_[r.index], why.to_string(), raw, result);
  }
  result.rows += batch_.size() - refused->size();
  batch_.clear();
  batch_lines_.clear();
  batch_raw_.clear();
  batch_raw_ends_.clear();
  return {};
}

result<segment_result> segment_loader::compare_with_ledger(pg::connection& conn,
                                                           const segment_ref& segment) {
  auto row =
      conn.exec("SELECT checksum FROM pipeline.loaded_segments WHERE segment = $1", segment.key());
  if (!row) return row.error();
  segment_result result;
  result.outcome = segment_outcome::already_loaded;
  if (row->rows() == 0 || row->is_null(0, 0)) return result;
  auto reader = segment_reader::open(segment.path, read_chunk_bytes_);
  if (!reader) {
    // Another loader (the CLI next to the service) committed it and has archived it already.
    if (reader.error().code == errc::not_found) return result;
    return reader.error();
  }
  for (;;) {
    auto line = reader->next();
    if (!line) return line.error();
    if (!*line) break;
  }
  if (row->get(0, 0) != hex16(reader->checksum())) result.outcome = segment_outcome::conflicting;
  return result;
}

result<segment_result> segment_loader::attempt(pg::connection& conn, const segment_ref& segment,
                                               bool guarded) {
  const auto started = std::chrono::steady_clock::now();
  copy_buffer_.clear();
  reject_buffer_.clear();
  batch_.clear();
  batch_lines_.clear();
  batch_raw_.clear();
  batch_raw_ends_.clear();
  segment_result result;
  const std::string key = segment.key();

  auto tx = pg::transaction::begin(conn);
  if (!tx) return tx.error();
  // Exactly-once rests on this commit being durable, whatever the server's default.
  if (auto r = conn.exec("SET LOCAL synchronous_commit TO on"); !r) return r.error();
  // The ledger row goes first: a second loader of the same segment (another process) waits
  // here for this transaction and then finds the row instead of copying everything twice.
  auto claimed = conn.exec(
      "INSERT INTO pipeline.loaded_segments (segment, queue, bytes) VALUES ($1, $2, $3) "
      "ON CONFLICT (segment) DO NOTHING",
      key, segment.queue, segment.bytes);
  if (!claimed) return claimed.error();
  if (claimed->affected_rows() == 0) {
    if (auto r = tx->rollback(); !r) return r.error();
    return compare_with_ledger(conn, segment);
  }

  auto reader = segment_reader::open(segment.path, read_chunk_bytes_);
  if (!reader) return reader.error();
  const std::string copy_sql = copy_rows_sql(segment.queue);
  std::optional<pg::copy_writer> writer;
  copy_encoder enc(copy_buffer_);
  if (!guarded) {
    auto w = conn.copy_in(copy_sql);
    if (!w) return w.error();
    writer.emplace(std::move(*w));
    enc.header();
  }

  for (;;) {
    auto next = reader->next();
    if (!next) return next.error();  // the writer aborts the COPY, the transaction rolls back
    if (!*next) break;
    const segment_line& line = **next;
    if (const auto why = parser_.parse_line(line.text, line.terminated, segment.queue, row_)) {
      add_reject(segment, line.number, why->to_string(), line.text, result);
      continue;
    }
    if (guarded) {
      copy_encoder batch_enc(batch_.data);
      write_event_row(batch_enc, row_);
      batch_.ends.push_back(batch_.data.size());
      batch_lines_.push_back(line.number);
      batch_raw_.append(line.text);
      batch_raw_ends_.push_back(batch_raw_.size());
      if (batch_.size() >= guarded_batch_rows) {
        if (auto st = flush_guarded(conn, segment, result); !st) return st.error();
      }
      continue;
    }
    write_event_row(enc, row_);
    ++result.rows;
    if (copy_buffer_.size() >= copy_chunk_bytes_) {
      if (auto st = writer->put(copy_buffer_); !st) return st.error();
      copy_buffer_.clear();
    }
  }
  if (guarded) {
    if (auto st = flush_guarded(conn, segment, result); !st) return st.error();
  } else {
    enc.trailer();
    if (auto st = writer->put(copy_buffer_); !st) return st.error();
    copy_buffer_.clear();
    auto copied = writer->finish();
    if (!copied) return copied.error();
  }
  result.bytes = reader->bytes_read();

  if (!reject_buffer_.empty()) {
    if (auto r = copy_binary(conn, reject_copy_sql, reject_buffer_); !r) return r.error();
  }
  auto ledger = conn.exec(
      "UPDATE pipeline.loaded_segments SET rows = $2, rejected = $3, bytes = $4, checksum = $5 "
      "WHERE segment = $1",
      key, result.rows, result.rejected, result.bytes, hex16(reader->checksum()));
  if (!ledger) return ledger.error();
  if (auto st = tx->commit(); !st) return st.error();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace gg::loader::detail
