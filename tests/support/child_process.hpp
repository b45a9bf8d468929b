#pragma once
// Runs a program (usually the built gadgetgrove binary) as a child for end-to-end tests:
// output captured to files, signals, and waits with deadlines so a test never hangs.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace gg::test {

/// The path of the built binary (env GG_BINARY, set by CTest).
std::string binary_path();

class child_process {
 public:
  /// Starts `program` with `args`; stdout and stderr go to files in `log_dir`. `env` entries are
  /// added to (or replace) the inherited environment.
  child_process(const std::string& program, const std::vector<std::string>& args,
                const std::filesystem::path& log_dir,
                const std::map<std::string, std::string>& env = {});
  /// Kills the child (SIGKILL) if it still runs.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void signal(int sig);
  /// Waits for exit; the exit status (128+signal when killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_, err_;
};

/// Runs a program to completion and returns {exit status, stdout, stderr}.
struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};
run_result run_to_end(const std::string& program, const std::vector<std::string>& args,
                      const std::filesystem::path& log_dir,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60),
                      const std::map<std::string, std::string>& env = {});

/// Waits until `path` exists and is non-empty, or the timeout passes.
bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout);

}  // namespace gg::test
