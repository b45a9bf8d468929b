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

// Rows are sent in chunks of at most this many (or copy_chunk_bytes): one lookup of their
// event_ids and one COPY each. In guarded mode a chunk is also the unit of one savepoint: few
// round trips when all is well, a short row-by-row retry when one chunk holds a refused row.
constexpr std::size_t chunk_rows = 1000;

// Until a duplicate turns up, a chunk is streamed: its COPY starts with its first row and
// takes the rows as they are parsed, so the server inserts while the worker parses (no lookup,
// no wait between parse and insert). Chunks are then larger, since a streamed chunk only goes
// back (to its savepoint, then through the lookup) when it hits an id already loaded.
constexpr std::size_t streamed_chunk_factor = 8;
// Encoded rows are handed to libpq in slices of this size.
constexpr std::size_t stream_slice_bytes = 64 << 10;
// After a duplicate, this many chunks in a row are looked up before streaming resumes: one
// retry seldom comes alone, and a streamed chunk that hits one is copied twice.
constexpr unsigned lookup_chunks_after_duplicate = 32;

constexpr std::string_view duplicate_state = "23505";  // unique_violation

constexpr int max_attempts = 4;

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
                               metrics::counter& guarded_segments)
    : read_chunk_bytes_(read_chunk_bytes),
      copy_chunk_bytes_(copy_chunk_bytes),
      guarded_segments_(guarded_segments) {
  batch_.data.reserve(copy_chunk_bytes_ + (copy_chunk_bytes_ >> 2));
}

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
      guarded_segments_.inc();
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
    if (!loaded_ids_.empty()) {
      lookup_chunks_left_ = lookup_chunks_after_duplicate;
    } else if (lookup_chunks_left_ > 0) {
      --lookup_chunks_left_;
    }
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
    const bool raced =
        e.sqlstate == duplicate_state || pg::retry_of(e) == pg::retry_scope::transaction;
    if (!raced || attempt_no >= chunk_attempts) return e;
    if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_chunk"); !r) return r.error();
  }
  batch_.clear();
  batch_ids_.clear();
  batch_lines_.clear();
  batch_raw_.clear();
  batch_raw_ends_.clear();
  return {};
}

status segment_loader::start_stream(pg::connection& conn, const segment_ref& segment,
                                    std::optional<pg::copy_writer>& stream) {
  if (auto r = conn.exec("SAVEPOINT gg_chunk"); !r) return r.error();
  auto writer = conn.copy_in(copy_rows_sql(segment.queue));
  if (!writer) return writer.error();
  stream.emplace(std::move(*writer));
  std::string header;
  copy_encoder(header).header();
  streamed_bytes_ = 0;
  return stream->put(header);
}

status segment_loader::send_streamed(std::optional<pg::copy_writer>& stream) {
  const std::string_view unsent = std::string_view{batch_.data}.substr(streamed_bytes_);
  streamed_bytes_ = batch_.data.size();
  return stream->put(unsent);
}

status segment_loader::flush_streamed(pg::connection& conn, const segment_ref& segment,
                                      std::optional<pg::copy_writer>& stream,
                                      segment_result& result) {
  if (auto st = send_streamed(stream); !st) {
    stream.reset();
    return st.error();
  }
  std::string trailer;
  copy_encoder(trailer).trailer();
  const status sent = stream->put(trailer);
  auto copied = sent ? stream->finish() : gg::result<std::uint64_t>(sent.error());
  stream.reset();
  if (copied) {
    if (auto r = conn.exec("RELEASE SAVEPOINT gg_chunk"); !r) return r.error();
    result.rows += batch_.size();
    batch_.clear();
    batch_ids_.clear();
    batch_lines_.clear();
    batch_raw_.clear();
    batch_raw_ends_.clear();
    return {};
  }
  const gg::error e = copied.error();
  // An id of the chunk is in the table already (a client's retry loaded earlier), or a
  // concurrent load holding one of them picked this one as its deadlock victim: the chunk
  // goes back and through the lookup, which sets the loaded ids aside as rejects.
  const bool raced =
      e.sqlstate == duplicate_state || pg::retry_of(e) == pg::retry_scope::transaction;
  if (!raced) return e;
  if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_chunk"); !r) return r.error();
  lookup_chunks_left_ = lookup_chunks_after_duplicate;
  return flush_chunk(conn, segment, /*guarded=*/false, result);
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
  batch_.clear();
  batch_ids_.clear();
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
  // The chunk's COPY while it is streamed; destroyed (the COPY aborted) before `tx` rolls back
  // when the attempt ends early.
  std::optional<pg::copy_writer> stream;
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
      lookup_chunks_left_ = lookup_chunks_after_duplicate;
      continue;
    }
    // A chunk is streamed or not from its first row on.
    if (batch_.size() == 0 && !guarded && lookup_chunks_left_ == 0) {
      if (cancelled != nullptr && cancelled->load()) {
        return fail(errc::cancelled, "segment load cancelled");
      }
      if (auto st = start_stream(conn, segment, stream); !st) return st.error();
    }
    copy_encoder enc(batch_.data);
    write_event_row(enc, row_);
    batch_.ends.push_back(batch_.data.size());
    batch_ids_.push_back(row_.event_id);
    batch_lines_.push_back(line.number);
    batch_raw_.append(line.text);
    batch_raw_ends_.push_back(batch_raw_.size());
    const std::size_t factor = stream ? streamed_chunk_factor : 1;
    if (batch_.size() >= factor * chunk_rows || batch_.data.size() >= factor * copy_chunk_bytes_) {
      // A segment is many statements: a cancel must also stop the ones not sent yet.
      if (cancelled != nullptr && cancelled->load()) {
        return fail(errc::cancelled, "segment load cancelled");
      }
      auto st = stream ? flush_streamed(conn, segment, stream, result)
                       : flush_chunk(conn, segment, guarded, result);
      if (!st) return st.error();
    } else if (stream && batch_.data.size() - streamed_bytes_ >= stream_slice_bytes) {
      if (auto st = send_streamed(stream); !st) return st.error();
    }
  }
  if (cancelled != nullptr && cancelled->load())
    return fail(errc::cancelled, "segment load cancelled");
  auto flushed = stream ? flush_streamed(conn, segment, stream, result)
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
