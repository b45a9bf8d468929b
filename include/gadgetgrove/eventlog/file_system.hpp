#pragma once
// The file operations the event log needs, behind an interface so tests can inject faults
// (short writes, EIO, ENOSPC, slow or failing fsync, a crash that drops unsynced bytes).
// posix_file_system is the real one; fault_file_system is the in-memory one for tests.

#include <gadgetgrove/core/result.hpp>

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::eventlog {

/// A file open for appending. Used by one thread at a time; the file system that made it must
/// outlive it. Errors carry errc::no_space for ENOSPC/EDQUOT and errc::io for the rest.
class writable_file {
 public:
  virtual ~writable_file() = default;

  /// Appends as much of `iov` as the system takes in one call and returns how many bytes that
  /// was; fewer than asked is not an error (the caller writes the rest).
  virtual result<std::size_t> writev(std::span<const ::iovec> iov) = 0;
  /// fdatasync(2): the bytes appended so far (and the file size) survive a crash once this
  /// returns OK. After an error the unsynced bytes are in an unknown state.
  virtual status sync() = 0;
  /// Cuts the file back to `size` bytes; later appends go after that.
  virtual status truncate(std::uint64_t size) = 0;
  /// Current length in bytes.
  virtual result<std::uint64_t> size() = 0;
  /// Closes the descriptor; further calls fail.
  virtual status close() = 0;
};

/// Paths are plain strings, '/'-separated. All operations may be called from any thread.
class file_system {
 public:
  virtual ~file_system() = default;

  /// Opens `path` for appending, creating it (mode 0600) if it does not exist.
  virtual result<std::unique_ptr<writable_file>> open_append(const std::string& path) = 0;
  /// The whole content of `path`.
  virtual result<std::string> read_file(const std::string& path) = 0;
  /// Names (not paths) of the regular files directly in `dir`, in no particular order.
  virtual result<std::vector<std::string>> list_dir(const std::string& dir) = 0;
  /// mkdir -p; the directories it creates get mode 0700.
  virtual status create_dirs(const std::string& dir) = 0;
  /// fsync(2) on the directory: makes creations, renames and unlinks in it durable.
  virtual status sync_dir(const std::string& dir) = 0;
  /// rename(2): atomic, replaces `to` if it exists; both in the same file system.
  virtual status rename(const std::string& from, const std::string& to) = 0;
  virtual status truncate(const std::string& path, std::uint64_t size) = 0;
  virtual status unlink(const std::string& path) = 0;
  /// Bytes this process could still write on the file system holding `dir`.
  virtual result<std::uint64_t> available_bytes(const std::string& dir) = 0;
};

/// "dir/name", without doubling a trailing slash.
std::string join_path(std::string_view dir, std::string_view name);

/// Everything before the last '/', or "." when there is none.
std::string parent_path(std::string_view path);

}  // namespace gg::eventlog
