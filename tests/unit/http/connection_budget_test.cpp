#include <gadgetgrove/http/connection_budget.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

using gg::http::connection_budget;
using gg::http::plan_connection_budget;

namespace {

/// Sets the soft descriptor limit for the scope (as `ulimit -Sn` would) and restores it.
class soft_limit {
 public:
  explicit soft_limit(rlim_t value) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit low = saved_;
    low.rlim_cur = value;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  }
  ~soft_limit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  rlim_t hard() const { return saved_.rlim_max; }

 private:
  rlimit saved_{};
};

rlim_t current_soft() {
  rlimit rl{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  return rl.rlim_cur;
}

}  // namespace

TEST_CASE("under a low descriptor limit that may not be raised, connections are capped",
          "[unit][http]") {
  soft_limit low{512};
  const connection_budget b = plan_connection_budget(5000, 256, false);
  CHECK(b.max_connections == 256);
  CHECK(b.wanted == 5000);
  CHECK(b.capped);
  CHECK_FALSE(b.raised);
  CHECK(current_soft() == 512);
  // The default is capped the same way.
  const connection_budget d = plan_connection_budget(0, 256, false);
  CHECK(d.wanted == gg::http::default_max_connections);
  CHECK(d.max_connections == 256);
  // A reserve larger than the limit still leaves some connections, never all descriptors.
  CHECK(plan_connection_budget(5000, 1000, false).max_connections == 256);
}

TEST_CASE("outside systemd the soft descriptor limit is raised to what the connections need",
          "[unit][http]") {
  soft_limit low{512};
  if (low.hard() != RLIM_INFINITY && low.hard() < 5256) {
    FAIL("the hard descriptor limit " << low.hard() << " is below the 5256 this test needs");
  }
  const connection_budget b = plan_connection_budget(5000, 256, true);
  CHECK(b.raised);
  CHECK(b.soft_limit_before == 512);
  CHECK(b.soft_limit == 5256);
  CHECK(current_soft() == 5256);
  CHECK(b.max_connections == 5000);
  CHECK_FALSE(b.capped);
}

TEST_CASE("a hard descriptor limit below the need caps connections to what fits", "[unit][http]") {
  // Lowering the hard limit cannot be undone, so it happens in a child process.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rlimit rl{600, 600};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(90);
    const connection_budget b = plan_connection_budget(5000, 256, true);
    if (!b.capped) _exit(91);
    if (b.soft_limit != 600) _exit(92);
    _exit(b.max_connections == 344 ? 0 : 93);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a limit that fits asks for no change", "[unit][http]") {
  soft_limit low{20000};
  const connection_budget b = plan_connection_budget(1000, 256, true);
  CHECK_FALSE(b.raised);
  CHECK_FALSE(b.capped);
  CHECK(b.max_connections == 1000);
  CHECK(current_soft() == 20000);
}
