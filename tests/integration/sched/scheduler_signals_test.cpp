#include <gadgetgrove/sched/scheduler.hpp>

#include <gadgetgrove/core/log.hpp>

#include <catch2/catch.hpp>
#include <child_process.hpp>
#include <eventually.hpp>
#include <temp_dir.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <sys/types.h>
#include <unistd.h>

namespace {

using gg::sched::scheduler;
using gg::sched::scheduler_options;
using gg::test::eventually;
using namespace std::chrono_literals;

constexpr const char* child_env = "GG_SCHED_FORCED_EXIT_CHILD";
constexpr const char* child_marker = "shutdown-callback-ran\n";

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("SIGTERM calls the shutdown callback once and SIGHUP is only logged",
          "[integration][sched]") {
  scheduler s{scheduler_options{2, 2}};
  std::atomic<int> calls{0};
  s.on_shutdown([&] { ++calls; });
  s.run();

  REQUIRE(::kill(::getpid(), SIGHUP) == 0);
  std::this_thread::sleep_for(50ms);
  CHECK(calls.load() == 0);  // still alive, and no shutdown

  REQUIRE(::kill(::getpid(), SIGTERM) == 0);
  REQUIRE(eventually([&] { return calls.load() >= 1; }));
  std::this_thread::sleep_for(50ms);
  CHECK(calls.load() == 1);
  s.stop();
}

TEST_CASE("SIGINT raised in the process triggers the shutdown callback", "[integration][sched]") {
  scheduler s{scheduler_options{1, 2}};
  std::atomic<int> calls{0};
  s.on_shutdown([&] { ++calls; });
  s.run();
  REQUIRE(std::raise(SIGINT) == 0);
  REQUIRE(eventually([&] { return calls.load() == 1; }));
  s.stop();
}

TEST_CASE("the shutdown callback may stop the scheduler from its io thread",
          "[integration][sched]") {
  scheduler s{scheduler_options{1, 2}};
  s.on_shutdown([&] { s.stop(); });
  s.run();
  REQUIRE(::kill(::getpid(), SIGTERM) == 0);
  std::atomic<bool> joined{false};
  std::thread waiter([&] {
    s.join();
    joined.store(true);
  });
  CHECK(eventually([&] { return joined.load(); }));
  waiter.join();
  CHECK(s.stopped());
}

TEST_CASE("a second shutdown signal forces the process to exit with status 130",
          "[integration][sched]") {
  gg::test::temp_dir dir{"gg-sched-signal"};
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  gg::test::child_process child(self, {"forced exit child process"}, dir.path(),
                                {{child_env, "1"}});
  const auto status = child.wait(20s);
  REQUIRE(status);
  CHECK(*status == 130);
  CHECK(count_of(child.stdout_text(), child_marker) == 1);
}

// Run only as the child of the test above: two SIGTERMs, the second of which must end the
// process before the test body finishes.
TEST_CASE("forced exit child process", "[.][sched]") {
  if (std::getenv(child_env) == nullptr) return;
  gg::log::set_level(gg::log::level::error);
  scheduler s{scheduler_options{1, 2}};
  std::atomic<int> calls{0};
  s.on_shutdown([&] {
    ++calls;
    (void)!::write(STDOUT_FILENO, child_marker, std::char_traits<char>::length(child_marker));
  });
  s.run();
  ::kill(::getpid(), SIGTERM);
  if (!eventually([&] { return calls.load() == 1; })) std::_Exit(3);
  ::kill(::getpid(), SIGTERM);
  std::this_thread::sleep_for(10s);
  std::_Exit(4);
}
