#include "retry_plan.hpp"

#include <catch2/catch.hpp>

#include <chrono>

namespace {

using gg::flows::retry_policy;
using gg::flows::detail::retry_plan;
using namespace std::chrono_literals;

std::chrono::milliseconds plan_delay(retry_plan& plan, const retry_policy& p, unsigned attempt) {
  auto d = plan.delay_after(p, attempt);
  REQUIRE(d.has_value());
  return *d;
}

}  // namespace

TEST_CASE("a fixed retry delay is the configured one, until the retries run out", "[unit][flows]") {
  retry_plan plan(7);
  retry_policy p;
  p.retries = 2;
  p.delay = 10s;
  CHECK(plan.delay_after(p, 1) == std::chrono::milliseconds(10s));
  CHECK(plan.delay_after(p, 2) == std::chrono::milliseconds(10s));
  CHECK_FALSE(plan.delay_after(p, 3));
  CHECK_FALSE(plan.delay_after(p, 0));
  p.retries = 0;
  CHECK_FALSE(plan.delay_after(p, 1));
}

TEST_CASE("exponential retry delays double and stop at the cap", "[unit][flows]") {
  retry_plan plan(7);
  retry_policy p;
  p.retries = 6;
  p.delay = 1s;
  p.exponential = true;
  p.max_delay = 5s;
  CHECK(plan.delay_after(p, 1) == std::chrono::milliseconds(1s));
  CHECK(plan.delay_after(p, 2) == std::chrono::milliseconds(2s));
  CHECK(plan.delay_after(p, 3) == std::chrono::milliseconds(4s));
  CHECK(plan.delay_after(p, 4) == std::chrono::milliseconds(5s));
  CHECK(plan.delay_after(p, 6) == std::chrono::milliseconds(5s));
}

TEST_CASE("jittered retry delays stay in range and repeat with the seed", "[unit][flows]") {
  retry_policy p;
  p.retries = 50;
  p.delay = 10s;
  p.jitter = 0.5;
  retry_plan a(42);
  retry_plan b(42);
  retry_plan c(43);
  bool differs = false;
  for (unsigned i = 1; i <= 50; ++i) {
    const auto da = plan_delay(a, p, i);
    CHECK(da >= 5s);
    CHECK(da <= 10s);
    CHECK(plan_delay(b, p, i) == da);
    differs = differs || plan_delay(c, p, i) != da;
  }
  CHECK(differs);
}
