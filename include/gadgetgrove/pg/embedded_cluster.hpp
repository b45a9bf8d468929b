#pragma once
// A PostgreSQL 15 server the program runs itself, inside its data directory.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::pg {

namespace detail {
struct identity;
class spawner;
}  // namespace detail

struct cluster_options {
  /// The program's data directory: the cluster lives in <data_dir>/pg, its socket in
  /// <data_dir>/run (or /tmp/gg-pg-<hash> when that socket path would exceed 107 bytes).
  std::filesystem::path data_dir;
  /// Holds initdb and postgres. Empty: `pg_config --bindir` when it has them, else
  /// /usr/lib/postgresql/15/bin.
  std::filesystem::path bin_dir;
  /// Empty: "postgres" when running as root, otherwise the current user.
  std::string run_as_user;
  /// 0: unix socket only (listen_addresses=''). Otherwise also TCP on 127.0.0.1:<port>, where
  /// password authentication applies and no password is set by default.
  std::uint16_t listen_port = 0;
  /// The database start() creates when missing; conninfo() points at it.
  std::string database = "gadgetgrove";
  /// Extra `postgres -c name=value` settings; they override the built-in ones.
  std::vector<std::pair<std::string, std::string>> settings;
  std::chrono::milliseconds start_timeout{30'000};
  /// stop() waits this long after each of SIGTERM (smart), SIGINT (fast), SIGQUIT (immediate).
  std::chrono::milliseconds smart_stop_timeout{5'000};
  std::chrono::milliseconds fast_stop_timeout{30'000};
  std::chrono::milliseconds immediate_stop_timeout{10'000};
};

/// An embedded PostgreSQL cluster: initdb on first start, then a postmaster run as a child
/// process (as `run_as_user` when the program runs as root), reachable over a unix socket in a
/// 0700 directory with trust authentication. The postmaster gets SIGINT (fast shutdown) when
/// this object is destroyed or the process dies, even by SIGKILL (PR_SET_PDEATHSIG on a thread
/// the object owns), so no server outlives its owner. A postmaster left running by an earlier
/// process is stopped and replaced; a stale postmaster.pid of a dead process is left to
/// PostgreSQL. Not thread-safe: one control thread at a time calls start() and stop().
class embedded_cluster {
 public:
  explicit embedded_cluster(cluster_options options);
  /// Stops the server if this object started it.
  ~embedded_cluster();
  embedded_cluster(const embedded_cluster&) = delete;
  embedded_cluster& operator=(const embedded_cluster&) = delete;

  /// Initialises the cluster if needed, starts the server, waits until it accepts
  /// connections and creates the database. Blocks (about 1 s on first use, 50 ms later).
  /// Errors: errc::config for missing binaries, users or untraversable directories;
  /// errc::unavailable with the server log's tail when the server does not come up.
  status start();
  /// Smart, then fast, then immediate shutdown, each with its timeout. Idempotent.
  status stop();
  /// As stop(), within `until`: smart shutdown gets at most a quarter of the time left, fast
  /// shutdown (clients disconnected, a checkpoint) the rest, each capped by its timeout; once
  /// `until` has passed, immediate shutdown (no checkpoint: the next start replays the WAL and
  /// loses nothing committed). Idempotent.
  status stop(gg::deadline until);

  bool running() const;
  /// key=value conninfo for the database (default: options().database).
  std::string conninfo() const;
  std::string conninfo(std::string_view database) const;
  const std::filesystem::path& socket_dir() const noexcept { return socket_dir_; }
  std::uint16_t port() const noexcept;
  pid_t pid() const noexcept { return pid_; }
  const cluster_options& options() const noexcept { return options_; }

  /// True when a server for `data_dir` is up (live postmaster.pid process answering PQping),
  /// e.g. one held by a running `serve`, which a CLI command may then use without starting or
  /// stopping it.
  static bool is_running(const std::filesystem::path& data_dir);
  /// conninfo for `database` on the server running for `data_dir`; errc::not_found if none.
  static result<std::string> running_conninfo(const std::filesystem::path& data_dir,
                                              std::string_view database = "gadgetgrove");

 private:
  status prepare();
  status init_cluster();
  status stop_leftover();
  status launch();
  status wait_ready();
  status create_database();
  /// Sends `sig` and waits up to `timeout` for the server to exit.
  bool signal_and_wait(int sig, std::chrono::milliseconds timeout);
  /// Smart, fast, immediate with these timeouts (a zero one is skipped), then SIGKILL.
  status stop_in_phases(std::chrono::milliseconds smart, std::chrono::milliseconds fast,
                        std::chrono::milliseconds immediate);
  std::string log_tail() const;

  cluster_options options_;
  std::filesystem::path data_dir_;
  std::filesystem::path cluster_dir_;
  std::filesystem::path socket_dir_;
  std::filesystem::path bin_dir_;
  std::unique_ptr<detail::identity> who_;
  std::unique_ptr<detail::spawner> spawner_;
  pid_t pid_ = -1;
  bool child_ = false;  // pid_ is our child (waitpid works)
};

}  // namespace gg::pg
