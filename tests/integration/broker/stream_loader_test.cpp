#include <gadgetgrove/broker/stream_loader.hpp>

#include <gadgetgrove/broker/amqp_session.hpp>

#include "pg_fixture.hpp"
#include "pg_query.hpp"
#include "rabbitmq_node.hpp"
#include "segment_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using gg::broker::amqp_session;
using gg::loader::test::event_json;
using gg::loader::test::frame_line;

namespace {

// Publishes events first..first+count-1 of `queue` as the shipper does (the framed line, no
// newline) and waits for the broker's confirms.
void publish(const std::string& url, const std::string& queue, std::uint64_t first,
             std::uint64_t count) {
  auto s = amqp_session::connect(gg::broker::parse_broker_url(url).value(), 60s);
  if (!s) FAIL(s.error());
  REQUIRE(s->declare_stream(gg::broker::stream_name(queue), {}));
  REQUIRE(s->enable_confirms());
  std::uint64_t last = 0;
  for (std::uint64_t n = first; n < first + count; ++n) {
    std::string line = frame_line(event_json(queue, n));
    line.pop_back();
    auto tag = s->publish(gg::broker::stream_name(queue), "test:" + std::to_string(n), line);
    REQUIRE(tag);
    last = *tag;
  }
  REQUIRE(s->wait_confirms(last, 120s).value() == last);
}

gg::broker::stream_loader_options options_for(const std::string& url, const std::string& conninfo,
                                              const gg::test::temp_dir& dir,
                                              const std::string& node) {
  gg::broker::stream_loader_options o;
  o.url = gg::broker::parse_broker_url(url).value();
  o.conninfo = conninfo;
  o.spool_dir = dir / node;
  o.node_id = node;
  o.batch_events = 16;  // several batches per call
  o.batch_wait = 2s;
  // Batches end by size or gap only, so a range loaded again has the same bounds.
  o.batch_max_age = 60s;
  o.connect_timeout = 60s;
  return o;
}

}  // namespace

TEST_CASE(
    "the stream loader commits each batch with its offset, resumes after it on another node and "
    "loads a republished event once",
    "[integration][broker]") {
  const std::string& url = gg::test::rabbitmq_url();
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-stream-loader");
  // One queue per test case process: the private node may be shared by other cases.
  const std::string queue = "ecommerce_events";
  auto conn = db.connect();
  const auto rows = [&] {
    return gg::test::scalar(conn, "SELECT count(*) FROM raw_data." + queue);
  };
  const auto committed = [&] {
    return gg::test::scalar(
        conn, "SELECT coalesce(max(next_offset), -1) FROM pipeline.stream_offsets WHERE queue = '" +
                  queue + "'");
  };
  const std::int64_t before = committed() < 0 ? 0 : committed();

  publish(url, queue, 0, 40);
  gg::broker::stream_loader a(options_for(url, db.conninfo(), dir, "node-a"));
  auto first = a.load_available(queue);
  if (!first) FAIL(first.error());
  CHECK_FALSE(first->lock_held_elsewhere);
  CHECK(first->events == 40);
  CHECK(first->rows == 40);
  CHECK(first->batches >= 3);
  CHECK(rows() == 40);
  CHECK(committed() == before + 40);
  CHECK(gg::test::text(conn, "SELECT node FROM pipeline.stream_offsets WHERE queue = '" + queue +
                                 "'") == "node-a");

  // One loader per queue across nodes: b waits while a holds the queue.
  gg::broker::stream_loader b(options_for(url, db.conninfo(), dir, "node-b"));
  auto refused = b.load_available(queue);
  REQUIRE(refused.has_value());
  CHECK(refused->lock_held_elsewhere);
  CHECK(refused->events == 0);

  // a goes away (a dead node's session ends the same way); b resumes after a's last commit. Event
  // 5 comes again (a shipper republishing a segment cut off mid-way): the event_id guard sets it
  // aside as a duplicate, so it is not loaded twice.
  a.release();
  publish(url, queue, 40, 10);
  publish(url, queue, 5, 1);
  auto second = b.load_available(queue);
  if (!second) FAIL(second.error());
  CHECK_FALSE(second->lock_held_elsewhere);
  CHECK(second->events == 11);
  CHECK(second->rows == 10);
  CHECK(second->rejected == 1);
  CHECK(rows() == 50);
  CHECK(committed() == before + 51);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM raw_data.rejected_events WHERE reason LIKE "
                         "'duplicate_event_id%' AND segment LIKE '" +
                             queue + "/stream-%'") == 1);

  // Nothing new: nothing loaded, the offset stays.
  auto idle = b.load_available(queue);
  REQUIRE(idle.has_value());
  CHECK(idle->events == 0);
  CHECK(rows() == 50);
  CHECK(committed() == before + 51);
}

TEST_CASE("a stream offset set back by hand loads nothing twice and says why",
          "[integration][broker]") {
  const std::string& url = gg::test::rabbitmq_url();
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-stream-loader");
  const std::string queue = "user_events";  // one queue per test case (see above)
  auto conn = db.connect();
  publish(url, queue, 1000, 20);
  gg::metrics::registry metrics;
  auto options = options_for(url, db.conninfo(), dir, "node-a");
  options.metrics = &metrics;
  const auto consumers = [&] {
    return metrics.get_counter("gadgetgrove_stream_loader_consumers_total", "").value();
  };
  gg::broker::stream_loader a(options);
  auto first = a.load_available(queue);
  if (!first) FAIL(first.error());
  REQUIRE(first->rows == 20);
  const auto start = first->next_offset - 20;
  CHECK(consumers() == 1);

  // The consumer stays open between calls: nothing new, then new events, on the same one.
  auto idle = a.load_available(queue);
  REQUIRE(idle.has_value());
  CHECK(idle->events == 0);
  publish(url, queue, 1020, 5);
  auto more = a.load_available(queue);
  if (!more) FAIL(more.error());
  CHECK(more->rows == 5);
  CHECK(more->next_offset == start + 25);
  CHECK(consumers() == 1);

  // As a restore of an older offset, or a stream deleted and created again, would leave it.
  REQUIRE(conn.exec("UPDATE pipeline.stream_offsets SET next_offset = $1 WHERE queue = $2", start,
                    queue)
              .has_value());
  auto again = a.load_available(queue);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == gg::errc::conflict);
  CHECK(again.error().message.find("recreated") != std::string::npos);
  // The kept consumer was past the ledger's offset: a new one read from the ledger's.
  CHECK(consumers() == 2);
  CHECK(gg::test::scalar(conn, "SELECT count(*) FROM raw_data." + queue) == 25);
  CHECK(gg::test::scalar(conn, "SELECT next_offset FROM pipeline.stream_offsets WHERE queue = '" +
                                   queue + "'") == start);
}

TEST_CASE("two loader nodes split the queues between them and each loads its own",
          "[integration][broker]") {
  const std::string& url = gg::test::rabbitmq_url();
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  gg::test::temp_dir dir("gg-stream-loader");
  // Queues of their own in this test case (see above); two queues shared by the two nodes.
  const std::string q1 = "analytics_events";
  const std::string q2 = "event_queue";
  auto conn = db.connect();
  publish(url, q1, 2000, 10);
  publish(url, q2, 3000, 10);
  auto opts = [&](const std::string& node) {
    auto o = options_for(url, db.conninfo(), dir, node);
    o.queue_count = 2;
    return o;
  };
  gg::broker::stream_loader a(opts("node-a"));
  gg::broker::stream_loader b(opts("node-b"));

  auto a1 = a.load_available(q1);  // a is alone: it may take any queue
  if (!a1) FAIL(a1.error());
  CHECK(a1->events == 10);
  auto b1 = b.load_available(q1);  // b joins: q1 is a's
  REQUIRE(b1.has_value());
  CHECK(b1->lock_held_elsewhere);
  auto a2 = a.load_available(q2);  // a holds its part (one of two queues for two nodes)
  REQUIRE(a2.has_value());
  CHECK(a2->over_share);
  CHECK(a2->events == 0);
  auto b2 = b.load_available(q2);  // so q2 is b's
  if (!b2) FAIL(b2.error());
  CHECK_FALSE(b2->lock_held_elsewhere);
  CHECK(b2->events == 10);

  CHECK(gg::test::text(conn, "SELECT node FROM pipeline.stream_offsets WHERE queue = '" + q1 +
                                 "'") == "node-a");
  CHECK(gg::test::text(conn, "SELECT node FROM pipeline.stream_offsets WHERE queue = '" + q2 +
                                 "'") == "node-b");
  CHECK(gg::test::scalar(conn, "SELECT count(*) FROM raw_data." + q1) == 10);
  CHECK(gg::test::scalar(conn, "SELECT count(*) FROM raw_data." + q2) == 10);
}
