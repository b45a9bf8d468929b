#pragma once
// Shared pieces of the chaos tests (tests/e2e/chaos, and the multi-node scenario of
// tests/e2e/broker): serve on a fixed public port (so a client keeps its target
// across restarts), the acknowledged event ids and where they ended up, the analytics tables'
// contents as digests, and the short/long form switch.

#include "child_process.hpp"
#include "serve_process.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gg::test::chaos {

/// True when GG_CHAOS_LONG=1: the scenarios run their long form (more kills, longer outages,
/// more traffic). Printed once per test, so a log says which form ran.
bool long_form();

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
unsigned short free_port();

/// `gadgetgrove serve` on `data_dir` with the public listener on 127.0.0.1:`public_port` (0: any)
/// and the admin listener on any port, JSON logs in `log_dir` (child-N.err). `extra` arguments
/// follow; `env` entries are added to the environment.
class chaos_serve {
 public:
  chaos_serve(const std::filesystem::path& data_dir, const std::filesystem::path& log_dir,
              unsigned short public_port, std::vector<std::string> extra = {},
              const std::map<std::string, std::string>& env = {});
  /// As above, with `launcher` (e.g. {"prlimit", "--nofile=1024:1024", "--"}) in front of the
  /// binary.
  chaos_serve(const std::vector<std::string>& launcher, const std::filesystem::path& data_dir,
              const std::filesystem::path& log_dir, unsigned short public_port,
              std::vector<std::string> extra, const std::map<std::string, std::string>& env);

  /// Waits for serve.json written by this process (the pid serve reports, which is the child's
  /// own pid unless a launcher execs it). Fails the running test with the log when serve exits
  /// first or `timeout` passes.
  void wait_ready(std::chrono::milliseconds timeout);
  const serve_endpoints& endpoints() const noexcept { return endpoints_; }
  child_process& process() noexcept { return *child_; }
  std::string log() const { return child_->stderr_text(); }
  std::string public_url() const;
  std::string admin_url() const;

 private:
  std::filesystem::path data_dir_;
  std::unique_ptr<child_process> child_;
  serve_endpoints endpoints_;
};

/// A small file system mounted for one test: tmpfs with size= (needs root or CAP_SYS_ADMIN), or
/// else an ext4 image on a loop device. When neither can be mounted the running test FAILS: a
/// disk-full scenario without a full disk proves nothing. Unmounted (lazily) on destruction.
class small_fs {
 public:
  small_fs(const std::filesystem::path& mount_point, std::uint64_t bytes);
  ~small_fs();
  small_fs(const small_fs&) = delete;
  small_fs& operator=(const small_fs&) = delete;

  const std::filesystem::path& path() const noexcept { return mount_point_; }
  /// Bytes an unprivileged writer can still allocate (statvfs f_bavail).
  std::uint64_t free_bytes() const;
  /// Grows the filler file until at most `leave` bytes are free (0: until ENOSPC).
  void fill(std::uint64_t leave = 0);
  /// Deletes the filler file.
  void release();
  const char* kind() const noexcept { return loop_ ? "ext4 loop image" : "tmpfs"; }

 private:
  std::filesystem::path mount_point_;
  std::filesystem::path image_;
  bool loop_ = false;
  int filler_ = 0;  // filler files made (each fill adds one)
};

/// Non-empty lines of a file (an ack log: one event_id per line).
std::vector<std::string> read_lines(const std::filesystem::path& p);

/// Segment files (`*.jsonl*`) still under <data>/log: sealed or open, not yet loaded.
std::size_t segments_left(const std::filesystem::path& data);

/// A connection to the embedded PostgreSQL that the serve on `data_dir` runs; fails the running
/// test when there is none.
pg::connection connect_embedded(const std::filesystem::path& data_dir);

/// How often each event_id occurs across raw_data's five event tables.
std::map<std::string, int> ids_in_raw_tables(pg::connection& conn);

/// How the acknowledged ids compare with what the warehouse holds.
struct delivery {
  std::size_t acknowledged = 0;  // distinct acknowledged ids
  std::size_t lost = 0;          // acknowledged, not in raw_data
  std::size_t doubled = 0;       // acknowledged, more than once in raw_data
  std::size_t rejected = 0;      // acknowledged and in raw_data.rejected_events
};
delivery compare_delivery(pg::connection& conn, const std::vector<std::string>& acked);

/// Every table of the `analytics` schema: its row count and an md5 over its rows in a fixed
/// order, so two states of the schema compare equal exactly when every table holds the same rows.
std::map<std::string, std::string> analytics_digest(pg::connection& conn);

/// Runs `gadgetgrove <args>` to its end with logs in `log_dir`; the output goes to the test's
/// log (UNSCOPED_INFO), so a failing check shows it.
run_result cli(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
               std::chrono::milliseconds timeout = std::chrono::seconds(180));

/// Peak resident set size of process `pid` (VmHWM from /proc) in KiB; 0 when unreadable.
std::uint64_t peak_rss_kib(int pid);
/// Current resident set size (VmRSS) in KiB; 0 when unreadable.
std::uint64_t rss_kib(int pid);

/// Seconds since `t0` as a double, for the figures the tests print.
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace gg::test::chaos
