#pragma once
// The lock that keeps two `serve` processes off one data directory, and the serve.json file
// through which scripts find a running instance.

#include <gadgetgrove/core/result.hpp>

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace gg::app {

/// An exclusive flock(2) on `<data-dir>/serve.lock`, held for the life of the object; the
/// kernel releases it when the process dies, so a killed `serve` never leaves a stale lock.
/// Not thread-safe; one per process.
class instance_lock {
 public:
  /// Errors: conflict (another process holds it; the message names its pid), io.
  static gg::result<instance_lock> acquire(const std::filesystem::path& data_dir);
  /// The pid of the process holding the lock, if any.
  static std::optional<pid_t> holder(const std::filesystem::path& data_dir);

  instance_lock(instance_lock&& other) noexcept;
  instance_lock& operator=(instance_lock&& other) noexcept;
  instance_lock(const instance_lock&) = delete;
  instance_lock& operator=(const instance_lock&) = delete;
  ~instance_lock();

 private:
  explicit instance_lock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

struct serve_info {
  std::string public_address;  // "127.0.0.1:8000"
  std::string admin_address;
  std::string database;  // libpq conninfo, password removed
  pid_t pid = 0;
};

/// Writes `<data-dir>/serve.json` atomically (temporary file, fsync, rename), mode 0600.
gg::status write_serve_info(const std::filesystem::path& data_dir, const serve_info& info);
void remove_serve_info(const std::filesystem::path& data_dir);

}  // namespace gg::app
