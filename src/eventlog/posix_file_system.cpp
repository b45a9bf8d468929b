#include <gadgetgrove/eventlog/posix_file_system.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <string>
#include <system_error>

namespace gg::eventlog {

namespace {

error errno_error(std::string_view op, const std::string& path, int err) {
  std::string what;
  what.reserve(op.size() + 1 + path.size());
  what.append(op).append(" ").append(path);
  return gg::from_errno(what, err);
}

class posix_writable_file final : public writable_file {
 public:
  posix_writable_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~posix_writable_file() override {
    if (fd_ >= 0) ::close(fd_);
  }
  posix_writable_file(const posix_writable_file&) = delete;
  posix_writable_file& operator=(const posix_writable_file&) = delete;

  result<std::size_t> writev(std::span<const ::iovec> iov) override {
    const int count = static_cast<int>(iov.size() < IOV_MAX ? iov.size() : IOV_MAX);
    for (;;) {
      const ssize_t n = ::writev(fd_, iov.data(), count);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return errno_error("write", path_, errno);
    }
  }

  status sync() override {
    for (;;) {
      if (::fdatasync(fd_) == 0) return {};
      if (errno != EINTR) return errno_error("fdatasync", path_, errno);
    }
  }

  status truncate(std::uint64_t size) override {
    for (;;) {
      if (::ftruncate(fd_, static_cast<off_t>(size)) == 0) return {};
      if (errno != EINTR) return errno_error("ftruncate", path_, errno);
    }
  }

  result<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno_error("fstat", path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  status close() override {
    if (fd_ < 0) return {};
    const int fd = fd_;
    fd_ = -1;
    // close(2) must not be retried on EINTR: the descriptor is gone either way.
    if (::close(fd) != 0 && errno != EINTR) return errno_error("close", path_, errno);
    return {};
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

result<std::unique_ptr<writable_file>> posix_file_system::open_append(const std::string& path) {
  for (;;) {
    // Events are personal data: readable by the service's user only.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) return std::unique_ptr<writable_file>(new posix_writable_file(fd, path));
    if (errno != EINTR) return errno_error("open", path, errno);
  }
}

result<std::string> posix_file_system::read_file(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_error("open", path, errno);
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      data.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int err = errno;
      ::close(fd);
      return errno_error("read", path, err);
    }
  }
  ::close(fd);
  return data;
}

result<std::vector<std::string>> posix_file_system::list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_error("opendir", dir, errno);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) break;
    bool regular = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      regular =
          ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    }
    if (regular) names.emplace_back(e->d_name);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return errno_error("readdir", dir, err);
  return names;
}

status posix_file_system::create_dirs(const std::string& dir) {
  // mkdir -p with 0700 for every directory it creates (create_directories would use 0777 less
  // the umask); existing directories are left as they are.
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  const std::filesystem::path path(dir);
  if (path.has_parent_path() && path.parent_path() != path) {
    if (auto st = create_dirs(path.parent_path().string()); !st) return st;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("mkdir", dir, errno);
  return {};
}

status posix_file_system::sync_dir(const std::string& dir) {
  int fd;
  do {
    fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_error("open", dir, errno);
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("fsync", dir, err);
  return {};
}

status posix_file_system::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_error("rename", from, errno);
  return {};
}

status posix_file_system::truncate(const std::string& path, std::uint64_t size) {
  for (;;) {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) == 0) return {};
    if (errno != EINTR) return errno_error("truncate", path, errno);
  }
}

status posix_file_system::unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_error("unlink", path, errno);
  return {};
}

result<std::uint64_t> posix_file_system::available_bytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return errno_error("statvfs", dir, errno);
  // root may also use the reserved blocks, and write(2) lets it: count what write(2) allows.
  const auto blocks = ::geteuid() == 0 ? st.f_bfree : st.f_bavail;
  return static_cast<std::uint64_t>(blocks) * static_cast<std::uint64_t>(st.f_frsize);
}

std::shared_ptr<file_system> posix_file_system::shared() {
  static const std::shared_ptr<file_system> instance = std::make_shared<posix_file_system>();
  return instance;
}

}  // namespace gg::eventlog
