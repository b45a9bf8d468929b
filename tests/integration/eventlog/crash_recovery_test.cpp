// A writer process is killed with SIGKILL at a random moment while it appends with durable
// acknowledgements; recovery in the parent must find every acknowledged event exactly once.

#include <gadgetgrove/eventlog/event_log.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

using namespace gg::eventlog;
using namespace std::chrono_literals;

namespace {

/// The child: appends events to every queue as fast as the log takes them, and reports the id
/// of each event acknowledged as durable over `ack_fd`, until it is killed.
[[noreturn]] void run_writer(const std::string& log_dir, int ack_fd) {
  gg::log::set_level(gg::log::level::off);
  gg::metrics::registry registry;
  event_log_config config;
  config.log_dir = log_dir;
  config.metrics = &registry;
  config.rotate_bytes = 32 * 1024;  // rotate often so kills land in every phase
  config.rotate_age = 20ms;
  config.max_batch = 512;
  event_log log(config);
  if (!log.start()) ::_exit(3);
  for (std::uint64_t i = 0;; ++i) {
    std::string id = "ev-" + std::to_string(i);
    std::string line = R"({"event_id":")" + id + R"(","type":"custom_event","properties":{"n":)" +
                       std::to_string(i) + "}}";
    const queue_id q = all_queues[i % queue_count];
    for (;;) {
      auto done = [ack_fd, id](gg::status s) {
        if (!s) return;
        const std::string msg = id + "\n";
        // Shorter than PIPE_BUF: one atomic write, never interleaved.
        if (::write(ack_fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) {
          ::_exit(4);
        }
      };
      const auto r = log.try_submit({q, line, std::move(done)});
      if (r.accepted()) break;
      std::this_thread::sleep_for(200us);
    }
  }
}

struct round_result {
  std::set<std::string> acked;
  std::map<std::string, int> on_disk;
  std::size_t bad_lines = 0;
  std::size_t open_files = 0;
};

round_result crash_and_recover(std::mt19937& rng) {
  gg::test::temp_dir tmp("gg-eventlog-crash");
  const std::string log_dir = (tmp.path() / "log").string();
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    run_writer(log_dir, fds[1]);
  }
  ::close(fds[1]);

  round_result result;
  std::string pending;
  auto drain_pipe = [&](std::chrono::milliseconds budget) {
    const auto until = std::chrono::steady_clock::now() + budget;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) return false;  // EOF: the child is gone
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        result.acked.insert(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
  };

  // The kill lands at a random moment after the first acknowledgement, not after start: a
  // slow start (a sanitizer build, a busy machine) must not make a round that proves nothing.
  const auto first_ack_deadline = std::chrono::steady_clock::now() + 60s;
  while (result.acked.empty() && std::chrono::steady_clock::now() < first_ack_deadline) {
    if (!drain_pipe(20ms)) break;
  }
  REQUIRE_FALSE(result.acked.empty());
  const auto kill_after =
      std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 440)(rng));
  drain_pipe(kill_after);
  ::kill(pid, SIGKILL);
  while (drain_pipe(5s)) {
  }
  ::close(fds[0]);
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  REQUIRE(WIFSIGNALED(wstatus));
  CHECK(WTERMSIG(wstatus) == SIGKILL);
  CHECK(pending.empty());  // acknowledgements are written whole

  gg::metrics::registry registry;
  event_log_config config;
  config.log_dir = log_dir;
  config.metrics = &registry;
  event_log recovered(config);
  REQUIRE(recovered.start().has_value());
  REQUIRE(recovered.drain(std::chrono::steady_clock::now() + 10s).has_value());

  for (const queue_id q : all_queues) {
    const auto dir = tmp.path() / "log" / std::string(to_string(q));
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(open_suffix)) ++result.open_files;
      const std::string data = gg::test::read_file(e.path());
      std::size_t pos = 0;
      while (pos < data.size()) {
        const std::size_t nl = data.find('\n', pos);
        const std::size_t end = nl == std::string::npos ? data.size() : nl + 1;
        const std::string_view line(data.data() + pos, end - pos);
        if (!verify_line(line)) ++result.bad_lines;
        const auto start = line.find(R"("event_id":")") + 12;
        ++result.on_disk[std::string(line.substr(start, line.find('"', start) - start))];
        pos = end;
      }
    }
  }
  CHECK_FALSE(std::filesystem::exists(tmp.path() / "quarantine"));
  return result;
}

}  // namespace

TEST_CASE("every event acknowledged as durable survives the writer being killed at random",
          "[integration][eventlog]") {
  const unsigned seed = gg::test::test_seed("crash recovery");
  INFO("seed " << seed << " (GG_TEST_SEED=" << seed << " reproduces)");
  std::mt19937 rng(seed);
  for (int round = 0; round < 8; ++round) {
    INFO("round " << round);
    const auto r = crash_and_recover(rng);
    CHECK(r.bad_lines == 0);
    CHECK(r.open_files == 0);
    std::size_t missing = 0;
    std::size_t repeated = 0;
    for (const auto& id : r.acked) {
      const auto it = r.on_disk.find(id);
      if (it == r.on_disk.end()) {
        ++missing;
      } else if (it->second != 1) {
        ++repeated;
      }
    }
    CHECK(missing == 0);
    CHECK(repeated == 0);
    for (const auto& [id, count] : r.on_disk) CHECK(count == 1);
    CHECK(r.on_disk.size() >= r.acked.size());
  }
}
