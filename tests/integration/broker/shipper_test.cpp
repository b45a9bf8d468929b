#include <gadgetgrove/broker/shipper.hpp>

#include <gadgetgrove/broker/amqp_session.hpp>

#include "eventually.hpp"
#include "rabbitmq_node.hpp"
#include "segment_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gg::broker::amqp_session;
using gg::loader::test::event_json;
using gg::loader::test::frame_line;
using gg::loader::test::write_segment;

namespace {

std::string unique_queue(const char* what) {
  static std::atomic<int> n{0};
  return std::string(what) + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(n.fetch_add(1));
}

gg::broker::shipper_options options_for(const std::string& url, const gg::test::temp_dir& dir,
                                        const std::string& queue, gg::metrics::registry& m) {
  gg::broker::shipper_options o;
  o.url = gg::broker::parse_broker_url(url).value();
  o.data_dir = dir.path();
  o.queues = {queue};
  o.node_id = "ship-node";
  o.poll = 20ms;
  o.connect_timeout = 10s;
  o.reconnect.delay = 100ms;
  o.reconnect.max_delay = 500ms;
  o.metrics = &m;
  return o;
}

// Writes segment `seq` holding events first..first+count-1.
void write_events(const gg::test::temp_dir& dir, const std::string& queue, std::uint64_t seq,
                  std::uint64_t first, std::uint64_t count) {
  std::string content;
  for (std::uint64_t n = first; n < first + count; ++n) content += frame_line(event_json(queue, n));
  write_segment(dir.path(), queue, seq, content);
}

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

// Every message of the stream (at least `expect`, and whatever follows), in stream order.
std::vector<gg::broker::delivery> read_stream(const std::string& url, const std::string& queue,
                                              std::size_t expect) {
  auto s = amqp_session::connect(gg::broker::parse_broker_url(url).value(), 60s);
  if (!s) FAIL(s.error());
  REQUIRE(s->consume(gg::broker::stream_name(queue), {}, 100));
  std::vector<gg::broker::delivery> out;
  // Up to `expect` messages may take a while to arrive; anything beyond must follow quickly.
  for (;;) {
    auto d = s->next(out.size() < expect ? 60s : 500ms);
    if (!d) FAIL(d.error());
    if (!d->has_value()) break;
    REQUIRE(s->ack((*d)->tag, false));
    out.push_back(std::move(**d));
  }
  return out;
}

}  // namespace

TEST_CASE("sealed segments are published in order and archived once the broker confirmed them",
          "[integration][broker]") {
  const std::string& url = gg::test::rabbitmq_url();
  gg::test::temp_dir dir("gg-shipper");
  const std::string queue = unique_queue("ship");
  write_events(dir, queue, 1, 0, 30);
  write_events(dir, queue, 2, 30, 20);
  gg::metrics::registry m;
  gg::broker::shipper shipper(options_for(url, dir, queue, m));
  REQUIRE(shipper.start());
  REQUIRE(gg::test::eventually([&] { return shipper.stats().segments_shipped == 2; }, 180s, 10ms,
                               "both segments shipped"));
  CHECK(files_in(dir / "log" / queue) == 0);
  CHECK(files_in(dir / "archive" / queue) == 2);
  CHECK(shipper.health().ready());
  CHECK(shipper.stats().events_published == 50);
  REQUIRE(shipper.drain(std::chrono::steady_clock::now() + 60s));

  const auto messages = read_stream(url, queue, 50);
  REQUIRE(messages.size() == 50);
  for (std::uint64_t n = 0; n < 50; ++n) {
    INFO(n);
    CHECK(messages[n].body + "\n" == frame_line(event_json(queue, n)));
    // "<queue>/<node id>/<segment>:<line>": unique across ingest nodes.
    CHECK(messages[n].message_id.rfind(queue + "/ship-node/", 0) == 0);
    CHECK(messages[n].message_id.ends_with(".jsonl:" + std::to_string(n < 30 ? n + 1 : n - 29)));
  }
  CHECK(m.expose().find("gadgetgrove_shipper_events_total 50") != std::string::npos);
}

TEST_CASE(
    "while the broker is down segments wait and health says why, and once back nothing is lost",
    "[integration][broker][slow]") {
  gg::test::rabbitmq_node node;
  node.start();
  gg::test::temp_dir dir("gg-shipper");
  const std::string queue = unique_queue("outage");
  gg::metrics::registry m;
  gg::broker::shipper shipper(options_for(node.url(), dir, queue, m));
  REQUIRE(shipper.start());
  write_events(dir, queue, 1, 0, 10);
  REQUIRE(gg::test::eventually([&] { return shipper.stats().segments_shipped == 1; }, 180s, 10ms,
                               "first segment shipped"));

  node.stop();
  write_events(dir, queue, 2, 10, 10);
  write_events(dir, queue, 3, 20, 10);
  REQUIRE(gg::test::eventually(
      [&] {
        const auto h = shipper.health();
        return h.state == gg::health_state::degraded &&
               h.detail.find("2 segments") != std::string::npos;
      },
      120s, 10ms, "degraded health naming the backlog"));
  CHECK(files_in(dir / "log" / queue) == 2);
  CHECK(m.expose().find("gadgetgrove_shipper_backlog_segments 2") != std::string::npos);

  node.start();
  REQUIRE(gg::test::eventually([&] { return shipper.stats().segments_shipped == 3; }, 180s, 20ms,
                               "shipping resumed"));
  CHECK(files_in(dir / "log" / queue) == 0);
  CHECK(shipper.health().ready());
  REQUIRE(shipper.drain(std::chrono::steady_clock::now() + 60s));

  // Every event is in the stream, in order; a segment cut off mid-publish may appear twice,
  // but never out of order or with a gap.
  const auto messages = read_stream(node.url(), queue, 30);
  std::set<std::string> bodies;
  for (const auto& d : messages) bodies.insert(d.body + "\n");
  for (std::uint64_t n = 0; n < 30; ++n) {
    INFO(n);
    CHECK(bodies.count(frame_line(event_json(queue, n))) == 1);
  }
}

TEST_CASE("shipped segments older than the archive retention are deleted by the shipper",
          "[integration][broker]") {
  const std::string& url = gg::test::rabbitmq_url();
  gg::test::temp_dir dir("gg-shipper");
  const std::string queue = unique_queue("prune");
  gg::metrics::registry m;
  auto o = options_for(url, dir, queue, m);
  o.archive_retention = 1ms;
  o.archive_check = 0ms;
  gg::broker::shipper shipper(o);
  REQUIRE(shipper.start());
  write_events(dir, queue, 1, 0, 5);
  write_events(dir, queue, 2, 5, 5);
  REQUIRE(gg::test::eventually([&] { return shipper.stats().segments_shipped == 2; }, 180s, 10ms,
                               "both segments shipped"));
  REQUIRE(gg::test::eventually([&] { return files_in(dir / "archive" / queue) == 0; }, 180s, 10ms,
                               "the archive emptied"));
  CHECK(files_in(dir / "log" / queue) == 0);
  REQUIRE(shipper.drain(std::chrono::steady_clock::now() + 60s));
  CHECK(read_stream(url, queue, 10).size() == 10);
}
