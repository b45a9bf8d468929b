#pragma once
// Appends framed lines to one queue's active segment and seals it (fdatasync, rename from
// `.jsonl.open` to `.jsonl`, fsync of the directory) when it reaches its size or age limit.

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/eventlog/file_system.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gg::eventlog {

struct segment_writer_options {
  std::uint64_t rotate_bytes = 64ULL << 20;
  std::chrono::milliseconds rotate_age{1000};
};

/// The writer of one queue directory. A segment file is created lazily by the first append
/// after a seal (so idle queues leave no empty files) and its directory entry is made durable
/// before any of its bytes are reported written. A batch never straddles two segments: when
/// it would take the active segment past rotate_bytes, that segment is sealed first (a batch
/// bigger than rotate_bytes alone gets a segment of its own).
///
/// After any failed write or sync the writer is `failed()`: the file has been cut back (or
/// will be by repair()) to the last synced offset, and appends are refused until repair()
/// succeeds, so a failure never leaves a half-written line in front of later ones.
///
/// Not thread-safe: one writer thread owns it.
class segment_writer {
 public:
  using clock = std::chrono::steady_clock;

  /// `dir` must exist. `next_seq` is the sequence number the next segment gets.
  segment_writer(file_system& fs, std::string dir, std::uint64_t next_seq,
                 segment_writer_options options);
  ~segment_writer();
  segment_writer(const segment_writer&) = delete;
  segment_writer& operator=(const segment_writer&) = delete;

  /// Appends `lines` (framed, each ending in a newline; `bytes` is their total size) with as
  /// few writev calls as possible. Does not sync. On error nothing of this batch is left in
  /// the file (or repair() will remove it) and the writer is failed.
  status append(std::span<const ::iovec> lines, std::uint64_t bytes, clock::time_point now);
  /// fdatasync of the active segment if it has unsynced bytes. Blocks for the fsync.
  status sync();
  /// Seals the active segment (if any): sync, close, rename to `.jsonl`, fsync the directory.
  status seal();
  /// Brings a failed writer back: truncates the active file to its last synced offset and
  /// syncs it, or finishes an interrupted seal. OK when there was nothing to do.
  status repair();

  bool failed() const noexcept { return failed_; }
  /// Bytes in the active segment (0 when none is open).
  std::uint64_t size() const noexcept { return size_; }
  /// Bytes made durable in the active segment.
  std::uint64_t synced_size() const noexcept { return synced_size_; }
  /// File name (not path) of the active segment; empty when none is open.
  const std::string& active_name() const noexcept { return active_name_; }
  const std::string& dir() const noexcept { return dir_; }
  /// When the active segment becomes due for sealing by age; nullopt when none is open.
  std::optional<clock::time_point> age_deadline() const noexcept;
  /// Whether the active segment should be sealed now (by age or size).
  bool due_for_seal(clock::time_point now) const noexcept;
  std::uint64_t segments_sealed() const noexcept { return segments_sealed_; }

 private:
  status open_segment(clock::time_point now);
  status write_all(std::span<const ::iovec> lines);
  status finish_seal();
  void fail_and_cut_back();

  file_system& fs_;
  std::string dir_;
  segment_writer_options options_;
  std::uint64_t next_seq_;
  sys_us last_name_time_{};

  std::unique_ptr<writable_file> file_;
  std::string active_name_;
  std::string active_path_;
  std::uint64_t size_ = 0;
  std::uint64_t synced_size_ = 0;
  clock::time_point opened_at_{};
  bool failed_ = false;
  // A seal that got past close but not through rename (or unlink) + directory fsync.
  bool seal_pending_ = false;
  bool pending_rename_ = false;
  std::string pending_seal_from_;
  std::string pending_seal_to_;
  std::uint64_t segments_sealed_ = 0;
  std::vector<::iovec> scratch_;
};

}  // namespace gg::eventlog
