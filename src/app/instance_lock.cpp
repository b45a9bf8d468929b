#include "instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

namespace gg::app {
namespace {

std::optional<pid_t> read_pid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  long pid = std::strtol(buf, nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace

gg::result<instance_lock> instance_lock::acquire(const std::filesystem::path& data_dir) {
  auto path = data_dir / "serve.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return from_errno("open " + path.string(), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    auto pid = read_pid(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(errc::conflict,
                  "another gadgetgrove serve is running on data directory " + data_dir.string() +
                      (pid ? " (pid " + std::to_string(*pid) + ")" : std::string{}));
    }
    return from_errno("flock " + path.string(), err);
  }
  auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
    int err = errno;
    ::close(fd);
    return from_errno("write " + path.string(), err);
  }
  return instance_lock{fd};
}

std::optional<pid_t> instance_lock::holder(const std::filesystem::path& data_dir) {
  auto path = data_dir / "serve.lock";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<pid_t> pid;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    pid = read_pid(fd);
    if (!pid) pid = 0;
  }
  ::close(fd);
  return pid;
}

instance_lock::instance_lock(instance_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

instance_lock& instance_lock::operator=(instance_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

instance_lock::~instance_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace gg::app
