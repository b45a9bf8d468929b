#include "segment_watcher.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <temp_dir.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

namespace {

using gg::test::eventually;

using namespace std::chrono_literals;
using gg::loader::detail::segment_watcher;
using gg::loader::detail::watcher_options;

// An io_context on one thread and a blocking pool, as the scheduler provides them.
struct executors {
  explicit executors(std::size_t blocking_threads = 2) : blocking(blocking_threads) {}
  ~executors() {
    guard.reset();
    io.stop();
    io_thread.join();
    blocking.join();
  }
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  boost::asio::thread_pool blocking;
  std::thread io_thread{[this] { io.run(); }};
};

// A batch that blocks until the test opens the gate, so wake-ups can arrive while it runs.
struct gated_batch {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  std::chrono::milliseconds hold_first{0};

  std::chrono::milliseconds operator()() {
    const int n = ++started;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return open; });
    ++finished;
    return n == 1 ? hold_first : 0ms;
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

watcher_options quiet_options() {
  watcher_options o;
  o.poll_interval = std::chrono::hours{1};
  o.use_inotify = false;
  return o;
}

}  // namespace

TEST_CASE("wake-ups during a batch are coalesced into one follow-up batch", "[unit][loader]") {
  executors ex;
  gated_batch gate;
  auto w = segment_watcher::create(ex.io, ex.blocking.get_executor(), quiet_options(),
                                   [&] { return gate(); });
  w->start();
  REQUIRE(eventually([&] { return gate.started.load() == 1; }));
  for (int i = 0; i < 5; ++i) w->wake();
  gate.release();
  REQUIRE(eventually([&] { return gate.finished.load() == 2; }));
  REQUIRE(w->wait_idle(std::chrono::steady_clock::now() + 5s));
  std::this_thread::sleep_for(100ms);  // room for a third batch that must not come
  CHECK(gate.started.load() == 2);
  CHECK(w->batches() == 2);
  w->request_stop();
}

TEST_CASE("a failed batch's hold-off drops wake-ups and its end runs one batch", "[unit][loader]") {
  executors ex;
  gated_batch gate;
  gate.hold_first = 300ms;
  gate.release();
  auto w = segment_watcher::create(ex.io, ex.blocking.get_executor(), quiet_options(),
                                   [&] { return gate(); });
  w->start();
  REQUIRE(eventually([&] { return gate.finished.load() == 1; }));
  for (int i = 0; i < 5; ++i) w->wake();
  std::this_thread::sleep_for(100ms);
  CHECK(gate.started.load() == 1);  // still holding off
  REQUIRE(eventually([&] { return gate.finished.load() == 2; }));
  std::this_thread::sleep_for(100ms);
  CHECK(gate.started.load() == 2);
  w->request_stop();
}

TEST_CASE("a file renamed into a watched directory wakes a batch without polling",
          "[unit][loader]") {
  gg::test::temp_dir dir("gg-watcher");
  executors ex;
  std::atomic<int> batches{0};
  watcher_options o = quiet_options();
  o.use_inotify = true;
  o.dirs = {dir.path()};
  auto w = segment_watcher::create(ex.io, ex.blocking.get_executor(), o, [&] {
    ++batches;
    return 0ms;
  });
  w->start();
  REQUIRE(eventually([&] { return batches.load() == 1; }));  // the start-up batch
  REQUIRE(w->wait_idle(std::chrono::steady_clock::now() + 5s));
  { std::ofstream(dir / "a.jsonl.open") << "x\n"; }
  std::filesystem::rename(dir / "a.jsonl.open", dir / "a.jsonl");
  CHECK(eventually([&] { return batches.load() >= 2; }, 2s));
  w->request_stop();
}

TEST_CASE("the poll timer runs batches when no event comes", "[unit][loader]") {
  executors ex;
  std::atomic<int> batches{0};
  watcher_options o = quiet_options();
  o.poll_interval = 50ms;
  auto w = segment_watcher::create(ex.io, ex.blocking.get_executor(), o, [&] {
    ++batches;
    return 0ms;
  });
  w->start();
  CHECK(eventually([&] { return batches.load() >= 4; }));
  w->request_stop();
  REQUIRE(w->wait_idle(std::chrono::steady_clock::now() + 5s));
  const int after_stop = batches.load();
  std::this_thread::sleep_for(200ms);
  CHECK(batches.load() == after_stop);
}

TEST_CASE("a stop drops a batch still waiting for a pool thread", "[unit][loader]") {
  executors ex(1);
  std::promise<void> unblock;
  auto blocked = unblock.get_future().share();
  boost::asio::post(ex.blocking, [blocked] { blocked.wait(); });  // the pool's only thread
  std::atomic<int> batches{0};
  auto w = segment_watcher::create(ex.io, ex.blocking.get_executor(), quiet_options(), [&] {
    ++batches;
    return 0ms;
  });
  w->start();
  CHECK_FALSE(w->wait_idle(std::chrono::steady_clock::now() + 50ms));  // queued
  w->request_stop();
  CHECK(w->wait_idle(std::chrono::steady_clock::now() + 1s));
  unblock.set_value();
  ex.blocking.join();
  CHECK(batches.load() == 0);
}
