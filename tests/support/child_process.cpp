#include "child_process.hpp"

#include "eventually.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

extern char** environ;

namespace gg::test {

std::string binary_path() {
  const char* p = std::getenv("GG_BINARY");
  if (p == nullptr) throw std::runtime_error("GG_BINARY is not set (run the tests through ctest)");
  return p;
}

namespace {
std::atomic<int> counter{0};
}

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const std::filesystem::path& log_dir,
                             const std::map<std::string, std::string>& env) {
  int n = counter.fetch_add(1);
  out_ = log_dir / ("child-" + std::to_string(n) + ".out");
  err_ = log_dir / ("child-" + std::to_string(n) + ".err");

  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && env.count(kv.substr(0, eq))) continue;
    envs.push_back(kv);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : envs) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out_fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create child log files");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::setpgid(0, 0);
    ::execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
}

child_process::~child_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool child_process::running() {
  if (status_ || pid_ <= 0) return false;
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string child_process::stdout_text() const { return read_file(out_); }
std::string child_process::stderr_text() const { return read_file(err_); }

run_result run_to_end(const std::string& program, const std::vector<std::string>& args,
                      const std::filesystem::path& log_dir, std::chrono::milliseconds timeout,
                      const std::map<std::string, std::string>& env) {
  child_process child(program, args, log_dir, env);
  run_result r;
  auto st = child.wait(timeout);
  if (!st) {
    child.signal(SIGKILL);
    st = child.wait(std::chrono::seconds(10));
    r.status = -1;
  } else {
    r.status = *st;
  }
  r.out = child.stdout_text();
  r.err = child.stderr_text();
  return r;
}

bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        std::error_code ec;
        return std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) > 0;
      },
      timeout, std::chrono::milliseconds(20), "a non-empty " + path.string());
}

}  // namespace gg::test
