#pragma once
// Child processes for the embedded cluster: users to run them as, fork/exec with a user
// switch, waiting, and inspecting processes we did not start.

#include <gadgetgrove/core/result.hpp>

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gg::pg::detail {

/// Who a child runs as. `switch_user` is set when the program is root and must drop to `uid`.
struct identity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string home;
  bool switch_user = false;
};

/// Resolves `user` ("" = postgres when root, else the current user). errc::config when the user
/// does not exist, is root, or is another user while we are not root.
result<identity> resolve_identity(const std::string& user);

/// Whether `who` may traverse (search) directory `st_mode`/`st_uid`/`st_gid`.
bool may_traverse(const identity& who, mode_t mode, uid_t owner, gid_t group) noexcept;

struct spawn_request {
  std::vector<std::string> argv;  // argv[0] is the absolute path of the program
  const identity* as = nullptr;
  int output_fd = -1;    // stdout and stderr go here (or /dev/null when -1)
  int death_signal = 0;  // PR_SET_PDEATHSIG, set after the user switch
};

/// fork + exec. The child gets its own process group (a terminal's Ctrl-C reaches only us,
/// and we shut the server down in order), a minimal environment (PATH, LC_ALL=C, HOME), "/" as
/// working directory and no descriptors but 0, 1 and 2. Fails when exec fails.
result<pid_t> spawn(const spawn_request& request);

/// A thread that forks children on request and otherwise waits. PR_SET_PDEATHSIG fires when
/// the *thread* that forked a child exits, so a long-lived child is forked here rather than on
/// a caller's thread that may end first; the child is signalled when this object is destroyed
/// or the process dies. spawn() is thread-safe.
class spawner {
 public:
  spawner();
  ~spawner();
  spawner(const spawner&) = delete;
  spawner& operator=(const spawner&) = delete;

  result<pid_t> spawn(const spawn_request& request);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  const spawn_request* job_ = nullptr;
  std::optional<result<pid_t>> done_;
  bool quit_ = false;
  std::thread thread_;
};

/// Runs `request` to completion, capturing stdout+stderr (last 64 KiB). Error when it does not
/// exit with 0 within `timeout`, including the output.
result<std::string> run(spawn_request request, std::chrono::milliseconds timeout);

/// Reaps `pid` if it is our child and has exited; true when it is gone (also when it is not
/// our child and no longer exists, or is a zombie).
bool has_exited(pid_t pid, bool is_child, int* wait_status = nullptr) noexcept;

/// Alive and not a zombie.
bool process_alive(pid_t pid) noexcept;

/// The command line of `pid` (argv, NUL-separated in /proc) or nullopt.
std::optional<std::vector<std::string>> process_cmdline(pid_t pid);

/// Human-readable waitpid status ("exit code 1", "signal 9").
std::string describe_wait_status(int wait_status);

}  // namespace gg::pg::detail
