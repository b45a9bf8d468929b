#pragma once
// An in-memory file_system with injectable faults, for tests of everything that must survive
// disk trouble: short writes, EIO/ENOSPC on write or fsync, a capacity limit, slow fsync, and a
// crash that keeps only what was made durable (synced bytes, synced directory entries).

#include <gadgetgrove/eventlog/file_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gg::eventlog {

/// A file system held in memory. Every operation and every fault setter is thread-safe (one
/// mutex; a configured fsync delay is slept outside it). Files it hands out keep a pointer to
/// it, so it must outlive them.
///
/// Durability model: a file's bytes survive crash() up to its last successful sync(); a
/// directory entry (creation, rename, unlink) survives only once sync_dir() ran on its parent.
/// Directories themselves are durable as soon as they are created.
class fault_file_system final : public file_system {
 public:
  fault_file_system();
  ~fault_file_system() override;

  result<std::unique_ptr<writable_file>> open_append(const std::string& path) override;
  result<std::string> read_file(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override;
  status sync_dir(const std::string& dir) override;
  status rename(const std::string& from, const std::string& to) override;
  status truncate(const std::string& path, std::uint64_t size) override;
  status unlink(const std::string& path) override;
  result<std::uint64_t> available_bytes(const std::string& dir) override;

  /// The next `count` appends fail with `err`. With `partial_bytes` > 0 each of them is first a
  /// short write of that many bytes (as write(2) does when the disk fills mid-call) and the
  /// call after it fails.
  void fail_next_writes(int err, int count = 1, std::size_t partial_bytes = 0);
  /// The next `count` file syncs fail with `err` (the unsynced bytes stay unsynced).
  void fail_next_syncs(int err, int count = 1);
  /// The next `count` sync_dir calls fail with `err`.
  void fail_next_dir_syncs(int err, int count = 1);
  /// Total bytes all files may hold; an append past it is cut short, then fails with ENOSPC.
  void set_capacity(std::optional<std::uint64_t> bytes);
  /// When on, every append stores at most half of what it is given (at least one byte).
  void set_short_writes(bool on);
  /// Every file sync takes at least this long.
  void set_sync_delay(std::chrono::milliseconds delay);
  /// Called (outside the lock) for "write", "fdatasync:begin", "fdatasync:end", "sync_dir",
  /// "rename" and "unlink", with the path concerned.
  void set_observer(std::function<void(std::string_view op, const std::string& path)> observer);

  /// Power loss: every file falls back to its synced bytes and every directory to its synced
  /// entries; every operation then fails with EIO (and files opened before keep failing) until
  /// reboot().
  void crash();
  void reboot();

  /// Content of `path`, or nullopt if it does not exist.
  std::optional<std::string> contents(const std::string& path) const;
  /// Creates or replaces `path` (and its parent directories) with `data`, already durable.
  void put(const std::string& path, std::string data);
  /// Every file path, sorted.
  std::vector<std::string> files() const;
  std::uint64_t used_bytes() const;
  /// Appends attempted / syncs performed so far (for tests that count syscalls).
  std::uint64_t write_calls() const;
  std::uint64_t sync_calls() const;

 private:
  class file;
  struct node {
    std::string data;
    std::size_t synced = 0;
  };

  result<std::size_t> append(const std::shared_ptr<node>& n, std::uint64_t generation,
                             const std::string& path, std::span<const ::iovec> iov);
  status sync_file(const std::shared_ptr<node>& n, std::uint64_t generation,
                   const std::string& path);
  status truncate_file(const std::shared_ptr<node>& n, std::uint64_t generation,
                       const std::string& path, std::uint64_t size);
  status check_alive(std::uint64_t generation, std::string_view op, const std::string& path) const;
  void notify(std::string_view op, const std::string& path);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<node>> files_;
  std::map<std::string, std::shared_ptr<node>> durable_files_;
  std::set<std::string> dirs_;
  std::uint64_t generation_ = 0;
  bool crashed_ = false;

  int write_fault_errno_ = 0;
  int write_fault_count_ = 0;
  std::size_t write_fault_partial_ = 0;
  bool write_fault_partial_done_ = false;
  int sync_fault_errno_ = 0;
  int sync_fault_count_ = 0;
  int dir_sync_fault_errno_ = 0;
  int dir_sync_fault_count_ = 0;
  std::optional<std::uint64_t> capacity_;
  bool short_writes_ = false;
  std::chrono::milliseconds sync_delay_{0};
  std::function<void(std::string_view, const std::string&)> observer_;
  std::uint64_t write_calls_ = 0;
  std::uint64_t sync_calls_ = 0;
};

}  // namespace gg::eventlog
