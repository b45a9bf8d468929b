#include <gadgetgrove/eventlog/event_log.hpp>

#include <gadgetgrove/eventlog/segment_format.hpp>
#include "fault_file_system.hpp"

#include "eventlog_test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <vector>

using namespace gg::eventlog;
using namespace gg::eventlog::test;
using namespace std::chrono_literals;

namespace {

/// An event line of about `size` bytes.
std::string sized_line(const std::string& id, std::size_t size) {
  return event_line(id, std::string(size, 'x'));
}

}  // namespace

TEST_CASE("the queue is bounded by bytes as well as by count", "[unit][eventlog]") {
  auto fs = std::make_shared<fault_file_system>();
  gg::metrics::registry registry;
  event_log_config config;
  config.log_dir = "/data/log";
  config.fs = fs;
  config.metrics = &registry;
  config.rotate_age = 1h;
  config.min_free_bytes = 0;
  config.queue_capacity = 1024;  // far more events than the bytes allow
  config.queue_bytes = 64 * 1024;
  fs->set_sync_delay(300ms);
  std::atomic<bool> syncing{false};
  fs->set_observer([&](std::string_view op, const std::string&) {
    if (op == "fdatasync:begin") syncing = true;
  });
  std::atomic<int> acked{0};
  const auto count = [&](gg::status s) {
    if (s) acked.fetch_add(1);
  };
  event_log log(config);
  REQUIRE(log.start());
  REQUIRE(log.try_submit({queue_id::page_views, sized_line("first", 100), count}).accepted());
  REQUIRE(eventually([&] { return syncing.load(); }));  // the writer is busy in fsync

  // While the writer is held, 10 KB lines fill the byte bound long before the count bound.
  int accepted = 0;
  submit_result last;
  for (int i = 0; i < 20; ++i) {
    last = log.try_submit(
        {queue_id::page_views, sized_line("big" + std::to_string(i), 10 * 1024), count});
    if (!last.accepted()) break;
    ++accepted;
  }
  CHECK(last.status == submit_status::queue_full);
  CHECK(accepted >= 5);
  CHECK(accepted <= 7);
  const auto held = log.stats();
  CHECK(held.queue_bytes <= config.queue_bytes + 200);
  CHECK(held.queue_bytes_capacity == config.queue_bytes);

  // A batch that would pass the bound is refused whole; a small event still fits.
  std::vector<append_request> batch;
  for (int i = 0; i < 3; ++i) {
    batch.push_back({queue_id::page_views, sized_line("b" + std::to_string(i), 10 * 1024), count});
  }
  CHECK(log.try_submit_batch(std::move(batch)).status == submit_status::queue_full);
  CHECK(log.try_submit({queue_id::page_views, sized_line("small", 10), count}).accepted());

  // Once written, the bytes are free again.
  REQUIRE(eventually([&] { return acked.load() == accepted + 2; }));
  REQUIRE(eventually([&] { return log.stats().queue_bytes == 0; }));
  CHECK(log.try_submit({queue_id::page_views, sized_line("after", 10 * 1024), count}).accepted());
  REQUIRE(log.drain(std::chrono::steady_clock::now() + 10s));
}

TEST_CASE("one submission larger than the byte bound is taken when the queue is empty",
          "[unit][eventlog]") {
  auto fs = std::make_shared<fault_file_system>();
  gg::metrics::registry registry;
  event_log_config config;
  config.log_dir = "/data/log";
  config.fs = fs;
  config.metrics = &registry;
  config.rotate_age = 1h;
  config.min_free_bytes = 0;
  config.queue_bytes = 1024;
  std::atomic<int> acked{0};
  event_log log(config);
  REQUIRE(log.start());
  CHECK(log.try_submit({queue_id::page_views, sized_line("huge", 8 * 1024),
                        [&](gg::status s) { acked += s ? 1 : 0; }})
            .accepted());
  REQUIRE(log.drain(std::chrono::steady_clock::now() + 10s));
  CHECK(acked.load() == 1);
}
