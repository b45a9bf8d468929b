#include "process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace gg::pg::detail {

namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

result<identity> lookup(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    if (rc != 0) return from_errno("look up user " + name, rc);
    return error{errc::config,
                 "user '" + name + "' does not exist" +
                     (name == "postgres" ? ": install the Debian package postgresql-15, which "
                                           "creates it, or set the user to run PostgreSQL as"
                                         : std::string{})};
  }
  identity id;
  id.name = name;
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  id.home = pw.pw_dir != nullptr ? pw.pw_dir : "/";
  int n = 32;
  id.groups.resize(static_cast<std::size_t>(n));
  while (::getgrouplist(name.c_str(), id.gid, id.groups.data(), &n) < 0) {
    id.groups.resize(static_cast<std::size_t>(n));
  }
  id.groups.resize(static_cast<std::size_t>(n));
  return id;
}

std::string current_user_name() {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  ::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found);
  return found != nullptr ? std::string(pw.pw_name) : std::string{};
}

// Everything below runs in the forked child: async-signal-safe calls only.
[[noreturn]] void child_fail(int report_fd, int err) {
  (void)!::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

result<identity> resolve_identity(const std::string& user) {
  const bool root = ::geteuid() == 0;
  std::string name = user;
  if (name.empty()) name = root ? "postgres" : current_user_name();
  if (name.empty()) return error{errc::config, "cannot determine the current user's name"};
  auto id = lookup(name);
  if (!id) return id.error();
  if (id->uid == 0) {
    return error{errc::config,
                 "PostgreSQL refuses to run as root: choose another user to run it as"};
  }
  if (root) {
    id->switch_user = true;
  } else if (id->uid != ::geteuid()) {
    return error{errc::config, "cannot run PostgreSQL as user '" + name +
                                   "': only root can switch users; leave the user unset"};
  }
  return id;
}

bool may_traverse(const identity& who, mode_t mode, uid_t owner, gid_t group) noexcept {
  if (who.uid == owner) return (mode & S_IXUSR) != 0;
  bool member = who.gid == group;
  for (const gid_t g : who.groups) member = member || g == group;
  if (member) return (mode & S_IXGRP) != 0;
  return (mode & S_IXOTH) != 0;
}

result<pid_t> spawn(const spawn_request& request) {
  if (request.argv.empty()) return error{errc::internal, "spawn without a program"};
  // Built before fork: the child of a threaded process may not allocate.
  std::vector<char*> argv;
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const char* path_env = ::getenv("PATH");
  std::vector<std::string> env_storage{
      std::string("PATH=") + (path_env != nullptr ? path_env : "/usr/bin:/bin"), "LC_ALL=C",
      "HOME=" + (request.as != nullptr ? request.as->home : std::string("/"))};
  if (const char* tz = ::getenv("TZ")) env_storage.push_back(std::string("TZ=") + tz);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const identity* as = request.as;
  const bool switch_user = as != nullptr && as->switch_user;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  const int max_fd = files.rlim_cur == RLIM_INFINITY || files.rlim_cur > 65536
                         ? 65536
                         : static_cast<int>(files.rlim_cur);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return from_errno("pipe", errno);
  fd_guard report_read{report[0]};
  fd_guard report_write{report[1]};
  int null_fd = -1;
  if (request.output_fd < 0) null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  fd_guard null_guard{null_fd};
  const int out_fd = request.output_fd >= 0 ? request.output_fd : null_fd;
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return from_errno("fork", errno);
  if (pid == 0) {
    const int rep = report[1];
    ::setpgid(0, 0);
    if (switch_user) {
      if (::setgroups(as->groups.size(), as->groups.data()) != 0) child_fail(rep, errno);
      if (::setgid(as->gid) != 0) child_fail(rep, errno);
      if (::setuid(as->uid) != 0) child_fail(rep, errno);
    }
    // After setuid: a change of credentials clears the parent-death signal.
    if (request.death_signal != 0) {
      if (::prctl(PR_SET_PDEATHSIG, request.death_signal) != 0) child_fail(rep, errno);
      if (::getppid() != parent) ::_exit(1);
    }
    const int in_fd = ::open("/dev/null", O_RDONLY);
    if (in_fd < 0 || ::dup2(in_fd, 0) < 0) child_fail(rep, errno);
    if (out_fd >= 0 && (::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0)) child_fail(rep, errno);
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < max_fd; ++fd) {
        if (fd != rep) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      }
    }
    if (::chdir("/") != 0) child_fail(rep, errno);
    ::execve(argv[0], argv.data(), envp.data());
    child_fail(rep, errno);
  }
  ::close(std::exchange(report_write.fd, -1));
  int child_errno = 0;
  ssize_t n = 0;
  while ((n = ::read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    return from_errno(
        "start " + request.argv[0] + (switch_user ? " as user " + as->name : std::string{}),
        child_errno);
  }
  return pid;
}

spawner::spawner() : thread_([this] { run(); }) {}

spawner::~spawner() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

result<pid_t> spawner::spawn(const spawn_request& request) {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return job_ == nullptr && !done_; });
  job_ = &request;
  wake_.notify_all();
  wake_.wait(lock, [&] { return done_.has_value(); });
  result<pid_t> out = std::move(*done_);
  done_.reset();
  wake_.notify_all();
  return out;
}

void spawner::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || job_ != nullptr; });
    if (job_ == nullptr) return;
    const spawn_request* job = std::exchange(job_, nullptr);
    lock.unlock();
    auto pid = detail::spawn(*job);
    lock.lock();
    done_.emplace(std::move(pid));
    wake_.notify_all();
  }
}

result<std::string> run(spawn_request request, std::chrono::milliseconds timeout) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return from_errno("pipe", errno);
  fd_guard read_end{out[0]};
  fd_guard write_end{out[1]};
  request.output_fd = out[1];
  auto pid = spawn(request);
  if (!pid) return pid.error();
  ::close(std::exchange(write_end.fd, -1));
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
    if (output.size() > 65536) output.erase(0, output.size() - 65536);
  }
  if (timed_out) ::kill(*pid, SIGKILL);
  int ws = 0;
  while (::waitpid(*pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return error{errc::timeout, request.argv[0] + " did not finish within " +
                                    std::to_string(timeout.count()) + " ms: " + output};
  }
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
    return error{errc::internal,
                 request.argv[0] + " failed (" + describe_wait_status(ws) + "): " + output};
  }
  return output;
}

bool has_exited(pid_t pid, bool is_child, int* wait_status) noexcept {
  if (pid <= 0) return true;
  if (is_child) {
    int ws = 0;
    const pid_t r = ::waitpid(pid, &ws, WNOHANG);
    if (r == pid) {
      if (wait_status != nullptr) *wait_status = ws;
      return true;
    }
    if (r == 0) return false;
    // ECHILD: someone else reaped it (or SIGCHLD is ignored); fall back to probing.
  }
  return !process_alive(pid);
}

bool process_alive(pid_t pid) noexcept {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A zombie still answers kill(0) until its parent reaps it.
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno != ENOENT;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');
  return paren == nullptr || paren[1] == '\0' || paren[2] != 'Z';
}

std::optional<std::vector<std::string>> process_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  if (!in) return std::nullopt;
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.emplace_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

std::string describe_wait_status(int ws) {
  if (WIFEXITED(ws)) return "exit code " + std::to_string(WEXITSTATUS(ws));
  if (WIFSIGNALED(ws)) return "killed by signal " + std::to_string(WTERMSIG(ws));
  return "status " + std::to_string(ws);
}

}  // namespace gg::pg::detail
