#include <gadgetgrove/sched/job.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <catch2/catch.hpp>
#include <test_seed.hpp>

#include <chrono>
#include <cmath>
#include <limits>

namespace {

using gg::sched::retry_delay;
using gg::sched::retry_policy;
using namespace std::chrono_literals;

}  // namespace

TEST_CASE("a fixed retry policy waits its delay before every retry", "[unit][sched]") {
  retry_policy p;
  p.retries = 5;
  p.delay = 1500ms;
  for (unsigned n = 1; n <= 20; ++n) {
    INFO("retry " << n);
    CHECK(retry_delay(p, n, 0.0) == 1500ms);
  }
  // The defaults are the documented 2 retries 10 s apart.
  const retry_policy defaults;
  CHECK(defaults.retries == 2);
  CHECK(retry_delay(defaults, 1, 0.0) == 10s);
  CHECK(retry_delay(defaults, 2, 0.0) == 10s);
}

TEST_CASE("a fixed delay beyond max_delay is honoured, not capped", "[unit][sched]") {
  retry_policy p;
  p.delay = 30min;
  p.max_delay = 1min;
  CHECK(retry_delay(p, 1, 0.0) == 30min);
  CHECK(retry_delay(p, 4, 0.0) == 30min);
  p.exponential = true;
  CHECK(retry_delay(p, 1, 0.0) == 30min);
  CHECK(retry_delay(p, 4, 0.0) == 30min);
}

TEST_CASE("exponential backoff doubles the wait with each retry", "[unit][sched]") {
  retry_policy p;
  p.delay = 100ms;
  p.exponential = true;
  p.max_delay = 1h;
  CHECK(retry_delay(p, 1, 0.0) == 100ms);
  CHECK(retry_delay(p, 2, 0.0) == 200ms);
  CHECK(retry_delay(p, 3, 0.0) == 400ms);
  CHECK(retry_delay(p, 4, 0.0) == 800ms);
  CHECK(retry_delay(p, 10, 0.0) == 51200ms);
  // Retry 0 is not a retry number; it is read as the first.
  CHECK(retry_delay(p, 0, 0.0) == 100ms);
}

TEST_CASE("exponential backoff stops growing at max_delay, even for huge retry numbers",
          "[unit][sched]") {
  retry_policy p;
  p.delay = 1s;
  p.exponential = true;
  p.max_delay = 10s;
  CHECK(retry_delay(p, 4, 0.0) == 8s);
  CHECK(retry_delay(p, 5, 0.0) == 10s);  // 16 s capped
  CHECK(retry_delay(p, 6, 0.0) == 10s);
  CHECK(retry_delay(p, 64, 0.0) == 10s);
  CHECK(retry_delay(p, 1000, 0.0) == 10s);
  CHECK(retry_delay(p, std::numeric_limits<unsigned>::max(), 0.0) == 10s);

  p.max_delay = std::chrono::milliseconds::max();
  const auto far = retry_delay(p, std::numeric_limits<unsigned>::max(), 0.0);
  CHECK(far > 0ms);
  CHECK(far <= std::chrono::milliseconds::max());
}

TEST_CASE("retry numbers 1..n follow delay * 2^(n-1) until the cap", "[unit][sched]") {
  retry_policy p;
  p.delay = 250ms;
  p.exponential = true;
  p.max_delay = 20s;
  std::chrono::milliseconds expected = 250ms;
  std::chrono::milliseconds previous{0};
  for (unsigned n = 1; n <= 12; ++n) {
    INFO("retry " << n);
    const auto got = retry_delay(p, n, 0.0);
    CHECK(got == std::min<std::chrono::milliseconds>(expected, 20s));
    CHECK(got >= previous);  // never shrinks
    previous = got;
    expected *= 2;
  }
}

TEST_CASE("jitter spreads the wait over [wait * (1 - jitter), wait]", "[unit][sched]") {
  retry_policy p;
  p.delay = 1000ms;
  p.jitter = 0.5;
  CHECK(retry_delay(p, 1, 0.0) == 1000ms);
  CHECK(retry_delay(p, 1, 0.5) == 750ms);
  CHECK(retry_delay(p, 1, 0.999999) == 500ms);

  p.exponential = true;
  p.max_delay = 1h;
  CHECK(retry_delay(p, 3, 0.0) == 4000ms);
  CHECK(retry_delay(p, 3, 0.25) == 3500ms);

  // Draws from the program's generator all land inside the documented range and cover it.
  const auto seed = gg::test::test_seed("retry jitter");
  gg::prng rng(seed);
  p.jitter = 0.3;
  std::chrono::milliseconds lo = std::chrono::milliseconds::max();
  std::chrono::milliseconds hi{0};
  for (int i = 0; i < 10000; ++i) {
    const auto d = retry_delay(p, 2, rng.unit());
    REQUIRE(d >= 1400ms);
    REQUIRE(d <= 2000ms);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 1420ms);
  CHECK(hi > 1980ms);
}

TEST_CASE("out-of-range jitter settings and draws are clamped", "[unit][sched]") {
  retry_policy p;
  p.delay = 1000ms;
  p.jitter = 7.0;  // read as 1: anywhere in [0, wait]
  CHECK(retry_delay(p, 1, 0.5) == 500ms);
  p.jitter = -1.0;  // read as 0: no jitter
  CHECK(retry_delay(p, 1, 0.5) == 1000ms);
  p.jitter = std::nan("");
  CHECK(retry_delay(p, 1, 0.5) == 1000ms);
  p.jitter = 0.5;
  CHECK(retry_delay(p, 1, -3.0) == 1000ms);
  CHECK(retry_delay(p, 1, 5.0) == 500ms);
  CHECK(retry_delay(p, 1, std::nan("")) == 1000ms);
  p.delay = -5s;  // a negative delay means retry at once
  CHECK(retry_delay(p, 1, 0.5) == 0ms);
}
