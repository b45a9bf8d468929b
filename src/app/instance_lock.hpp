#pragma once
// The lock that keeps two `serve` processes off one data directory. (serve.json, through which
// other commands find a running instance, is gg::serve_info in core/serve_info.hpp.)

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

}  // namespace gg::app
