#include "segment_claims.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using gg::eventlog::queue_id;
using gg::loader::detail::segment_claims;

TEST_CASE("without duplicates any segment goes to any worker, oldest first, each once",
          "[unit][loader]") {
  segment_claims c({queue_id::page_views, queue_id::page_views, queue_id::user_events});
  CHECK(c.try_claim() == std::optional<std::size_t>{0});
  CHECK(c.try_claim() == std::optional<std::size_t>{1});  // the same queue, side by side
  c.release(0, false);
  CHECK(c.try_claim() == std::optional<std::size_t>{2});
  CHECK_FALSE(c.try_claim());
  CHECK_FALSE(c.claim({}));  // none left: no wait
  CHECK_FALSE(c.one_per_queue());
}

TEST_CASE("once a segment held duplicates, one queue is loaded by one worker at a time",
          "[unit][loader]") {
  segment_claims c({queue_id::page_views, queue_id::page_views, queue_id::page_views,
                    queue_id::ecommerce_events});
  CHECK(c.try_claim() == std::optional<std::size_t>{0});
  CHECK(c.try_claim() == std::optional<std::size_t>{1});
  c.release(0, true);
  CHECK(c.one_per_queue());
  // page_views is still being loaded (segment 1): the newer ecommerce segment goes first.
  CHECK(c.try_claim() == std::optional<std::size_t>{3});
  CHECK_FALSE(c.try_claim());
  c.release(1, false);
  CHECK(c.try_claim() == std::optional<std::size_t>{2});
}

TEST_CASE("a worker waits for the busy queue, and a stop ends the wait", "[unit][loader]") {
  segment_claims c({queue_id::page_views, queue_id::page_views, queue_id::page_views});
  REQUIRE(c.try_claim() == std::optional<std::size_t>{0});
  c.release(0, true);
  REQUIRE(c.try_claim() == std::optional<std::size_t>{1});
  std::optional<std::size_t> waited;
  std::atomic<bool> got{false};
  std::thread worker([&] {
    waited = c.claim({});
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(got.load());  // segment 2 waits for segment 1's queue
  c.release(1, false);
  worker.join();
  CHECK(waited == std::optional<std::size_t>{2});

  segment_claims busy({queue_id::page_views, queue_id::page_views, queue_id::page_views});
  REQUIRE(busy.try_claim());
  busy.release(0, true);
  REQUIRE(busy.try_claim());
  std::atomic<bool> stop{false};
  std::thread waiter([&] { waited = busy.claim([&] { return stop.load(); }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  stop = true;
  waiter.join();
  CHECK_FALSE(waited);
}
