#include "segment_loader.hpp"

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/loader/load_notices.hpp>
#include <gadgetgrove/pg/sqlstate.hpp>
#include <gadgetgrove/pg/transaction.hpp>
#include "segment_reader.hpp"

#include <chrono>

namespace gg::loader::detail {
namespace {

constexpr logger log{"loader"};

// Rows go in chunks of at most this many (or copy_chunk_bytes): one savepoint and one COPY
// each, and one lookup of their event_ids while duplicates are about. Large chunks save round
// trips (with 1 % duplicates: 71-81k lines/s against 65-73k in chunks of 1,000), and a chunk
// is only sent again when a concurrent load commits one of its ids meanwhile.
constexpr std::size_t chunk_rows = 8000;
// In guarded mode a chunk is also the unit of the row-by-row retry after a refused row: an
// eighth of that, rows and bytes.
constexpr std::size_t guarded_chunk_divisor = 8;
// A streamed chunk's rows are handed to libpq in slices of this size.
constexpr std::size_t stream_slice_bytes = 64 << 10;
// After a duplicate, this many chunks in a row are looked up before streaming resumes: one
// retry seldom comes alone, and a streamed chunk that meets one is copied twice.
constexpr unsigned lookups_after_duplicate = 32;

constexpr std::string_view duplicate_state = "23505";  // unique_violation

constexpr int max_attempts = 4;

// A chunk's COPY failed because a concurrent load committed one of its ids first (it waited
// for that load, then met the unique index), or was that load's deadlock victim: the chunk
// alone goes back to its savepoint and is sent again after a lookup.
bool raced_a_load(const gg::error& e) {
  return e.sqlstate == duplicate_state || pg::retry_of(e) == pg::retry_scope::transaction;
}

constexpr std::string_view reject_copy_sql =
    "COPY raw_data.rejected_events (segment, line_no, reason, raw) FROM STDIN (FORMAT binary)";

std::string hex16(std::uint64_t v) {
  std::string s(16, '0');
  write_hex16(v, s.data());
  return s;
}

}  // namespace

std::string existing_ids_sql(std::string_view queue) {
  std::string sql = "SELECT event_id FROM raw_data.";
  sql += queue;
  sql += " WHERE event_id = ANY($1::uuid[])";
  return sql;
}

segment_counters segment_counters::in(metrics::registry& reg) {
  const std::string chunks_help =
      "Chunks of rows copied, by whether their ids were looked up first";
  return segment_counters{
      reg.get_counter(
          "gadgetgrove_loader_guarded_segments_total",
          "Segments loaded again row by row under savepoints after PostgreSQL refused a row"),
      reg.get_counter("gadgetgrove_loader_chunks_total", chunks_help, {{"mode", "streamed"}}),
      reg.get_counter("gadgetgrove_loader_chunks_total", chunks_help, {{"mode", "looked_up"}}),
      reg.get_counter("gadgetgrove_loader_streamed_chunk_retries_total",
                      "Streamed chunks that met an event_id already loaded and were copied again "
                      "after a lookup"),
  };
}

std::size_t uuid_hash::operator()(const gg::uuid& id) const noexcept {
  // Version 7 ids share their leading time bytes; the trailing eight are random.
  std::uint64_t lo = 0;
  for (std::size_t i = 8; i < 16; ++i) lo = (lo << 8) | id.bytes[i];
  std::uint64_t hi = 0;
  for (std::size_t i = 0; i < 8; ++i) hi = (hi << 8) | id.bytes[i];
  return static_cast<std::size_t>(lo ^ (hi * 0x9e3779b97f4a7c15ULL));
}

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

segment_loader::segment_loader(std::size_t read_chunk_bytes, std::size_t copy_chunk_bytes,
                               segment_counters counters)
    : read_chunk_bytes_(read_chunk_bytes),
      copy_chunk_bytes_(copy_chunk_bytes),
      counters_(counters),
      mode_(lookups_after_duplicate) {}

result<segment_result> segment_loader::load(
    pg::connection& conn, const segment_ref& segment, const std::atomic<bool>* cancelled,
    const std::function<status(pg::connection&)>& in_transaction) {
  bool guarded = false;
  for (int attempt_no = 1;; ++attempt_no) {
    auto r = attempt(conn, segment, guarded, cancelled, in_transaction);
    if (r) return r;
    const gg::error e = r.error();  // result::error() returns a copy
    if (e.code == errc::cancelled || (cancelled != nullptr && cancelled->load())) {
      return r;
    } else if (!guarded && e.sqlstate == duplicate_state && attempt_no < max_attempts) {
      // The segment's ids were looked up first, so another loader committed one of them since
      // (a client's retry landing in two segments loaded at once): look again.
      log.info("an event_id of the segment was loaded meanwhile; loading it again",
               {{"segment", segment.key()}});
    } else if (!guarded && pg::is_data_error(e)) {
      // A value the server refuses: load the segment again with savepoints so that only the
      // offending lines become rejects.
      log.info("PostgreSQL refused a row; loading the segment again with row-level guards",
               {{"segment", segment.key()}, {"error", e.message}});
      counters_.guarded.inc();
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

status segment_loader::lookup_loaded(pg::connection& conn, const segment_ref& segment) {
  // One indexed lookup of the chunk's ids, so a repeated id costs a probe instead of a failed
  // COPY and a row-by-row reload.
  id_list_.clear();
  id_list_.push_back('{');
  for (std::size_t i = 0; i < batch_ids_.size(); ++i) {
    if (i > 0) id_list_.push_back(',');
    const std::size_t at = id_list_.size();
    id_list_.resize(at + uuid_text_size);
    batch_ids_[i].write(id_list_.data() + at);
  }
  id_list_.push_back('}');
  auto found = conn.exec(existing_ids_sql(segment.queue), std::string_view{id_list_});
  if (!found) return found.error();
  loaded_ids_.clear();
  for (int r = 0; r < found->rows(); ++r) {
    if (const auto id = parse_uuid(found->get(r, 0))) loaded_ids_.insert(*id);
  }
  return {};
}

status segment_loader::flush_chunk(pg::connection& conn, const segment_ref& segment, bool guarded,
                                   segment_result& result) {
  if (batch_.size() == 0) return {};
  counters_.looked_up.inc();
  const auto raw_of = [this](std::size_t i) {
    const std::size_t begin = i == 0 ? 0 : batch_raw_ends_[i - 1];
    return std::string_view{batch_raw_}.substr(begin, batch_raw_ends_[i] - begin);
  };
  const std::string duplicate = reject_reason{reject_code::duplicate_event_id, {}}.to_string();

  // A concurrent load may commit one of the chunk's ids between the lookup and the COPY (the
  // COPY then waits for it and fails), or deadlock with this one on two such ids: the chunk
  // alone is rolled back to its savepoint and looked up again.
  constexpr int chunk_attempts = 4;
  for (int attempt_no = 1;; ++attempt_no) {
    auto loaded = lookup_loaded(conn, segment);
    if (!loaded) return loaded.error();
    mode_.looked_up(!loaded_ids_.empty());
    const encoded_rows* rows = &batch_;
    kept_.clear();
    if (!loaded_ids_.empty()) {
      fresh_.clear();
      for (std::size_t i = 0; i < batch_.size(); ++i) {
        if (loaded_ids_.count(batch_ids_[i]) > 0) continue;
        fresh_.data.append(batch_.row(i));
        fresh_.ends.push_back(fresh_.data.size());
        kept_.push_back(i);
      }
      rows = &fresh_;
    }
    const auto chunk_index = [&](std::size_t i) { return kept_.empty() ? i : kept_[i]; };
    const auto reject_loaded = [&] {
      for (std::size_t i = 0; i < batch_.size(); ++i) {
        if (loaded_ids_.count(batch_ids_[i]) > 0) {
          add_reject(segment, batch_lines_[i], duplicate, raw_of(i), result);
        }
      }
    };
    if (rows->size() == 0) {
      reject_loaded();
      break;
    }
    if (guarded) {
      auto refused = guarded_copy(conn, copy_rows_sql(segment.queue), *rows);
      if (!refused) return refused.error();
      reject_loaded();
      for (const auto& r : *refused) {
        const std::size_t i = chunk_index(r.index);
        // The only unique index of a raw table is the one on event_id.
        const reject_reason why = r.sqlstate == duplicate_state
                                      ? reject_reason{reject_code::duplicate_event_id, {}}
                                      : reject_reason{reject_code::database_error, r.sqlstate};
        add_reject(segment, batch_lines_[i], why.to_string(), raw_of(i), result);
      }
      result.rows += rows->size() - refused->size();
      break;
    }
    if (auto r = conn.exec("SAVEPOINT gg_chunk"); !r) return r.error();
    auto copied = copy_binary(conn, copy_rows_sql(segment.queue), rows->data);
    if (copied) {
      if (auto r = conn.exec("RELEASE SAVEPOINT gg_chunk"); !r) return r.error();
      reject_loaded();
      result.rows += rows->size();
      break;
    }
    const gg::error e = copied.error();
    if (!raced_a_load(e) || attempt_no >= chunk_attempts) return e;
    if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_chunk"); !r) return r.error();
  }
  clear_chunk();
  return {};
}

void segment_loader::clear_chunk() {
  batch_.clear();
  batch_ids_.clear();
  batch_lines_.clear();
  batch_raw_.clear();
  batch_raw_ends_.clear();
}

status segment_loader::start_stream(pg::connection& conn, const segment_ref& segment) {
  if (auto r = conn.exec("SAVEPOINT gg_chunk"); !r) return r.error();
  auto writer = conn.copy_in(copy_rows_sql(segment.queue));
  if (!writer) return writer.error();
  stream_.emplace(std::move(*writer));
  streamed_bytes_ = 0;
  std::string header;
  copy_encoder(header).header();
  if (auto st = stream_->put(header); !st) return abandon_stream(conn, st.error());
  return {};
}

status segment_loader::send_streamed(pg::connection& conn) {
  const std::string_view unsent = std::string_view{batch_.data}.substr(streamed_bytes_);
  streamed_bytes_ = batch_.data.size();
  if (auto st = stream_->put(unsent); !st) return abandon_stream(conn, st.error());
  return {};
}

status segment_loader::abandon_stream(pg::connection& conn, const gg::error& e) {
  stream_.reset();  // a failed put() or finish() has ended the COPY already
  if (!raced_a_load(e)) return e;
  if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_chunk"); !r) return r.error();
  counters_.stream_retries.inc();
  mode_.duplicate_seen();
  return {};
}

status segment_loader::flush_streamed(pg::connection& conn, const segment_ref& segment,
                                      bool guarded, segment_result& result) {
  if (stream_) {
    if (auto st = send_streamed(conn); !st) return st;
  }
  if (stream_) {
    std::string trailer;
    copy_encoder(trailer).trailer();
    const status sent = stream_->put(trailer);
    auto copied = sent ? stream_->finish() : gg::result<std::uint64_t>(sent.error());
    if (copied) {
      stream_.reset();
      if (auto r = conn.exec("RELEASE SAVEPOINT gg_chunk"); !r) return r.error();
      counters_.streamed.inc();
      result.rows += batch_.size();
      clear_chunk();
      return {};
    }
    if (auto st = abandon_stream(conn, copied.error()); !st) return st;
  }
  // The stream met an id already loaded: the chunk goes through the lookup.
  return flush_chunk(conn, segment, guarded, result);
}

result<bool> segment_loader::same_file(const segment_ref& segment, std::string_view checksum) {
  auto reader = segment_reader::open(segment.path, read_chunk_bytes_);
  if (!reader) {
    // Another loader (the CLI next to the service) committed it and has archived it already.
    if (reader.error().code == errc::not_found) return true;
    return reader.error();
  }
  for (;;) {
    auto line = reader->next();
    if (!line) return line.error();
    if (!*line) break;
  }
  return checksum == hex16(reader->checksum());
}

result<segment_result> segment_loader::compare_with_ledger(pg::connection& conn,
                                                           const segment_ref& segment) {
  auto row =
      conn.exec("SELECT checksum FROM pipeline.loaded_segments WHERE segment = $1", segment.key());
  if (!row) return row.error();
  segment_result result;
  result.outcome = segment_outcome::already_loaded;
  if (row->rows() == 0 || row->is_null(0, 0)) return result;
  auto same = same_file(segment, row->get(0, 0));
  if (!same) return same.error();
  if (!*same) result.outcome = segment_outcome::conflicting;
  return result;
}

result<segment_result> segment_loader::attempt(
    pg::connection& conn, const segment_ref& segment, bool guarded,
    const std::atomic<bool>* cancelled,
    const std::function<status(pg::connection&)>& in_transaction, bool check_legacy) {
  const auto started = std::chrono::steady_clock::now();
  reject_buffer_.clear();
  clear_chunk();
  segment_result result;
  const std::string key = segment.key();

  auto tx = pg::transaction::begin(conn);
  if (!tx) return tx.error();
  // Exactly-once rests on this commit being durable, whatever the server's default.
  if (auto r = conn.exec("SET LOCAL synchronous_commit TO on"); !r) return r.error();
  // The ledger row goes first: a second loader of the same segment (another process) waits
  // here for this transaction and then finds the row instead of copying everything twice.
  // A segment of a node's log may also sit in the ledger under the key it had before nodes
  // were named (a crash between commit and archive across the upgrade): the same statement
  // returns that row's checksum ('' when it has none), NULL when there is no such row.
  const std::string legacy = segment.legacy_key();
  std::optional<std::string_view> legacy_param;
  if (check_legacy && legacy != key) legacy_param = legacy;
  auto claimed = conn.exec(
      "INSERT INTO pipeline.loaded_segments (segment, queue, bytes) VALUES ($1, $2, $3) "
      "ON CONFLICT (segment) DO NOTHING "
      "RETURNING (SELECT coalesce(l.checksum, '') FROM pipeline.loaded_segments AS l "
      "WHERE l.segment = $4)",
      key, segment.queue, segment.bytes, legacy_param);
  if (!claimed) return claimed.error();
  if (claimed->affected_rows() == 0) {
    if (auto r = tx->rollback(); !r) return r.error();
    return compare_with_ledger(conn, segment);
  }
  if (claimed->rows() == 1 && !claimed->is_null(0, 0)) {
    const std::string checksum(claimed->get(0, 0));
    if (auto r = tx->rollback(); !r) return r.error();
    auto same = checksum.empty() ? gg::result<bool>(true) : same_file(segment, checksum);
    if (!same) return same.error();
    if (*same) {
      segment_result done;
      done.outcome = segment_outcome::already_loaded;
      return done;
    }
    // Before nodes were named another file had this name (another node's, loaded by an older
    // version): this one is new and loads under its own key.
    return attempt(conn, segment, guarded, cancelled, in_transaction, /*check_legacy=*/false);
  }

  auto reader = segment_reader::open(segment.path, read_chunk_bytes_);
  if (!reader) return reader.error();
  seen_ids_.clear();
  // When the attempt ends early, a COPY in flight is aborted before `tx` rolls back.
  struct stream_guard {
    std::optional<pg::copy_writer>& stream;
    ~stream_guard() { stream.reset(); }
  } guard{stream_};
  const auto stop_asked = [cancelled] { return cancelled != nullptr && cancelled->load(); };
  for (;;) {
    auto next = reader->next();
    if (!next) return next.error();  // the transaction rolls back
    if (!*next) break;
    const segment_line& line = **next;
    if (const auto why = parser_.parse_line(line.text, line.terminated, segment.queue, row_)) {
      add_reject(segment, line.number, why->to_string(), line.text, result);
      continue;
    }
    // A repeat within the segment never reaches PostgreSQL: the first occurrence is loaded.
    if (!seen_ids_.insert(row_.event_id).second) {
      add_reject(segment, line.number,
                 reject_reason{reject_code::duplicate_event_id, {}}.to_string(), line.text, result);
      // Retries are about: look the next chunks up rather than stream them.
      mode_.duplicate_seen();
      continue;
    }
    // A chunk is streamed or not from its first row on.
    if (batch_.size() == 0 && !guarded && mode_.streams()) {
      if (stop_asked()) return fail(errc::cancelled, "segment load cancelled");
      if (auto st = start_stream(conn, segment); !st) return st.error();
    }
    copy_encoder enc(batch_.data);
    write_event_row(enc, row_);
    batch_.ends.push_back(batch_.data.size());
    batch_ids_.push_back(row_.event_id);
    batch_lines_.push_back(line.number);
    batch_raw_.append(line.text);
    batch_raw_ends_.push_back(batch_raw_.size());
    const std::size_t divisor = guarded ? guarded_chunk_divisor : 1;
    if (batch_.size() >= chunk_rows / divisor ||
        batch_.data.size() >= copy_chunk_bytes_ / divisor) {
      // A segment is many statements: a cancel must also stop the ones not sent yet.
      if (stop_asked()) return fail(errc::cancelled, "segment load cancelled");
      auto st = stream_ ? flush_streamed(conn, segment, guarded, result)
                        : flush_chunk(conn, segment, guarded, result);
      if (!st) return st.error();
    } else if (stream_ && batch_.data.size() - streamed_bytes_ >= stream_slice_bytes) {
      if (stop_asked()) return fail(errc::cancelled, "segment load cancelled");
      if (auto st = send_streamed(conn); !st) return st.error();
    }
  }
  if (stop_asked()) return fail(errc::cancelled, "segment load cancelled");
  auto flushed = stream_ ? flush_streamed(conn, segment, guarded, result)
                         : flush_chunk(conn, segment, guarded, result);
  if (!flushed) return flushed.error();
  result.bytes = reader->bytes_read();

  if (!reject_buffer_.empty()) {
    if (auto r = copy_binary(conn, reject_copy_sql, reject_buffer_); !r) return r.error();
  }
  auto ledger = conn.exec(
      "UPDATE pipeline.loaded_segments SET rows = $2, rejected = $3, bytes = $4, checksum = $5 "
      "WHERE segment = $1",
      key, result.rows, result.rejected, result.bytes, hex16(reader->checksum()));
  if (!ledger) return ledger.error();
  if (in_transaction) {
    if (auto st = in_transaction(conn); !st) return st.error();
  }
  // Delivered to every listening node only if, and when, this transaction commits.
  if (auto st = send_load_notice(conn, segment.queue, result.rows); !st) return st.error();
  if (auto st = tx->commit(); !st) return st.error();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace gg::loader::detail
