#include <gadgetgrove/queue/bounded_queue.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

using gg::queue::bounded_queue;
using namespace std::chrono_literals;

TEST_CASE("capacity is rounded up to a power of two and a full queue refuses pushes",
          "[unit][queue]") {
  bounded_queue<int> q(5);
  REQUIRE(q.capacity() == 8);
  for (int i = 0; i < 8; ++i) REQUIRE(q.try_push(int{i}));
  CHECK_FALSE(q.try_push(99));
  CHECK(q.size_approx() == 8);
  int v = -1;
  REQUIRE(q.try_pop(v));
  CHECK(v == 0);
  CHECK(q.try_push(8));
  CHECK_FALSE(q.try_push(9));
}

TEST_CASE("items come out in the order one producer pushed them, across many laps",
          "[unit][queue]") {
  bounded_queue<int> q(4);
  int next_out = 0;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(q.try_push(int{i}));
    if (i % 3 == 2) {
      std::vector<int> out;
      q.pop_bulk(out, 100);
      for (int v : out) CHECK(v == next_out++);
    }
  }
  std::vector<int> out;
  q.pop_bulk(out, 100);
  for (int v : out) CHECK(v == next_out++);
  CHECK(next_out == 1000);
  CHECK(q.empty());
  CHECK(q.size_approx() == 0);
}

TEST_CASE("pop_bulk takes at most max items", "[unit][queue]") {
  bounded_queue<int> q(16);
  for (int i = 0; i < 10; ++i) REQUIRE(q.try_push(int{i}));
  std::vector<int> out;
  CHECK(q.pop_bulk(out, 4) == 4);
  CHECK(out == std::vector<int>{0, 1, 2, 3});
  CHECK(q.pop_bulk(out, 100) == 6);
  CHECK(out.size() == 10);
  CHECK(q.pop_bulk(out, 100) == 0);
}

TEST_CASE("a bulk push is all or nothing and leaves refused items untouched", "[unit][queue]") {
  bounded_queue<std::unique_ptr<int>> q(8);
  for (int i = 0; i < 5; ++i) REQUIRE(q.try_push(std::make_unique<int>(i)));
  std::vector<std::unique_ptr<int>> items;
  for (int i = 5; i < 9; ++i) items.push_back(std::make_unique<int>(i));
  CHECK_FALSE(q.try_push_bulk(items));  // 4 do not fit in the 3 free slots
  for (const auto& p : items) REQUIRE(p != nullptr);
  CHECK(q.size_approx() == 5);

  items.pop_back();
  REQUIRE(q.try_push_bulk(items));  // 3 fit exactly
  for (const auto& p : items) CHECK(p == nullptr);
  std::vector<std::unique_ptr<int>> out;
  REQUIRE(q.pop_bulk(out, 100) == 8);
  for (int i = 0; i < 8; ++i) CHECK(*out[static_cast<std::size_t>(i)] == i);

  std::vector<std::unique_ptr<int>> too_many(9);
  CHECK_FALSE(q.try_push_bulk(too_many));
  CHECK(q.try_push_bulk({}));
}

TEST_CASE("items still queued are destroyed with the queue", "[unit][queue]") {
  auto tracker = std::make_shared<int>(0);
  {
    bounded_queue<std::shared_ptr<int>> q(8);
    for (int i = 0; i < 5; ++i) REQUIRE(q.try_push(std::shared_ptr<int>(tracker)));
    std::shared_ptr<int> one;
    REQUIRE(q.try_pop(one));
    CHECK(tracker.use_count() == 6);
  }
  CHECK(tracker.use_count() == 1);
}

TEST_CASE("wait_for_items times out on an empty queue and returns at once when items wait",
          "[unit][queue]") {
  bounded_queue<int> q(8);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(q.wait_for_items(30ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 25ms);
  REQUIRE(q.try_push(1));
  t0 = std::chrono::steady_clock::now();
  CHECK(q.wait_for_items(5s));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

TEST_CASE("a push wakes a sleeping consumer long before its timeout", "[unit][queue]") {
  bounded_queue<int> q(8);
  std::thread producer([&] {
    std::this_thread::sleep_for(50ms);
    REQUIRE(q.try_push(7));
  });
  const auto t0 = std::chrono::steady_clock::now();
  bool got = false;
  while (!got && std::chrono::steady_clock::now() - t0 < 10s) got = q.wait_for_items(10s);
  const auto waited = std::chrono::steady_clock::now() - t0;
  producer.join();
  CHECK(got);
  CHECK(waited < 5s);
  int v = 0;
  CHECK(q.try_pop(v));
  CHECK(v == 7);
}

TEST_CASE("wake() and the stop predicate end a wait on an empty queue", "[unit][queue]") {
  bounded_queue<int> q(8);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.store(true);
    q.wake();
  });
  const auto t0 = std::chrono::steady_clock::now();
  while (!stop.load() && std::chrono::steady_clock::now() - t0 < 10s) {
    q.wait_for_items(10s, [&] { return stop.load(); });
  }
  const auto waited = std::chrono::steady_clock::now() - t0;
  stopper.join();
  CHECK(waited < 5s);
  auto t1 = std::chrono::steady_clock::now();
  CHECK_FALSE(q.wait_for_items(10s, [] { return true; }));
  CHECK(std::chrono::steady_clock::now() - t1 < 1s);
}

TEST_CASE(
    "four producers racing one sleeping consumer deliver every item exactly once, each "
    "producer's items in order",
    "[unit][queue]") {
  constexpr int producers = 4;
  constexpr std::uint64_t per_producer = 50000;
  bounded_queue<std::uint64_t> q(1024);
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> full{0};
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        std::uint64_t v = (static_cast<std::uint64_t>(p) << 32) | i;
        while (!q.try_push(std::move(v))) {
          full.fetch_add(1);
          std::this_thread::yield();
        }
        if (i % 4096 == 0) std::this_thread::sleep_for(1ms);  // let the consumer go to sleep
      }
    });
  }
  std::vector<std::uint64_t> next(producers, 0);
  std::uint64_t received = 0;
  bool in_order = true;
  std::vector<std::uint64_t> buf;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (received < producers * per_producer && std::chrono::steady_clock::now() < deadline) {
    buf.clear();
    if (q.pop_bulk(buf, 256) == 0) {
      q.wait_for_items(100ms);
      continue;
    }
    for (const auto v : buf) {
      const auto p = static_cast<std::size_t>(v >> 32);
      const std::uint64_t i = v & 0xffffffffu;
      if (i != next[p]) in_order = false;
      next[p] = i + 1;
      ++received;
    }
  }
  for (auto& t : threads) t.join();
  CHECK(received == producers * per_producer);
  CHECK(in_order);
  for (const auto n : next) CHECK(n == per_producer);
  CHECK(q.empty());
}
