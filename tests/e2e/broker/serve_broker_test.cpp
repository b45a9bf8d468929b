// serve --role ingest --broker through the built binary, against a private RabbitMQ node: the
// events a client posts reach the streams, the shipped segments are archived, and the broker's
// password shows nowhere.

#include <gadgetgrove/broker/amqp_session.hpp>

#include "broker_nodes.hpp"
#include "child_process.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "pg_fixture.hpp"
#include "pg_query.hpp"
#include "rabbitmq_node.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using gg::test::http_client;

namespace {

const gg::test::http_fields browser{
    {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"}};
const std::string password = gg::test::broker_password;

std::string now_iso() {
  const std::time_t secs = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

unsigned post_page_view(unsigned short port, const std::string& session) {
  http_client c(port);
  const std::string body =
      R"({"type":"page_view","url":"https://shop.example/category/laptops","path":"/category/laptops","title":"Laptops","referrer":"","timestamp":")" +
      now_iso() + R"(","sessionId":")" + session + R"("})";
  return c.post("/api/analytics", body, "application/json", browser).status;
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

// The sessions of `wanted` found in stream gadgetgrove.page_views, read from its start.
std::set<std::string> sessions_in_stream(const std::string& url,
                                         const std::set<std::string>& wanted) {
  auto s = gg::broker::amqp_session::connect(gg::broker::parse_broker_url(url).value(), 60s);
  if (!s) FAIL(s.error());
  REQUIRE(s->consume(gg::broker::stream_name("page_views"), {}, 100));
  std::set<std::string> found;
  for (;;) {
    auto d = s->next(found.size() < wanted.size() ? 60s : 500ms);
    if (!d) FAIL(d.error());
    if (!d->has_value()) break;
    REQUIRE(s->ack((*d)->tag, false));
    for (const auto& w : wanted) {
      if ((*d)->body.find('"' + w + '"') != std::string::npos) found.insert(w);
    }
  }
  return found;
}

}  // namespace

TEST_CASE("an ingest node with a broker ships the posted events to its stream and archives them",
          "[e2e][broker][slow]") {
  gg::test::rabbitmq_node node;
  const gg::test::node_common nodes{gg::test::start_with_user(node), ""};
  const std::string& url = nodes.broker_url;

  gg::test::temp_dir dir("gg-e2e-broker");
  gg::test::serve_process serve(dir / "data",
                                nodes.args({"--role", "ingest", "--segment-max-age", "200ms"}));
  gg::test::require_ready(serve);
  const auto ep = serve.endpoints();

  std::set<std::string> sessions;
  for (int i = 0; i < 20; ++i) {
    const std::string session = "broker-e2e-" + std::to_string(i);
    REQUIRE(post_page_view(ep.public_port, session) == 200);
    sessions.insert(session);
  }

  // Shipped: every sealed segment archived once confirmed, none waiting.
  http_client admin(ep.admin_port);
  REQUIRE(gg::test::eventually(
      [&] {
        const auto m = admin.get("/metrics").body;
        return files_in(dir / "data" / "archive" / "page_views") > 0 &&
               files_in(dir / "data" / "log" / "page_views") <= 1 &&
               m.find("gadgetgrove_shipper_backlog_segments 0") != std::string::npos &&
               m.find("gadgetgrove_shipper_events_total 0\n") == std::string::npos;
      },
      180s, 50ms, "segments shipped and archived"));
  CHECK(sessions_in_stream(url, sessions) == sessions);

  const auto ready_body = admin.get("/readyz").body;
  INFO(ready_body);
  CHECK(ready_body.find(R"("shipper":{"state":"up")") != std::string::npos);
  CHECK(ready_body.find("shipper:****@127.0.0.1") != std::string::npos);
  CHECK(ready_body.find("wait in log/") != std::string::npos);
  CHECK(ready_body.find(password) == std::string::npos);
  CHECK(serve.log().find(password) == std::string::npos);
  CHECK(serve.log().find("shipper:****@") != std::string::npos);

  serve.process().signal(SIGTERM);
  REQUIRE(serve.process().wait(120s) == 0);
  CHECK(serve.log().find(password) == std::string::npos);
}

TEST_CASE("the broker password is masked by --print-config and a malformed URL is not echoed",
          "[e2e][broker]") {
  gg::test::temp_dir dir("gg-e2e-broker-cli");
  const auto shown = gg::test::run_to_end(
      gg::test::binary_path(),
      {"serve", "--broker", "amqp://shop:" + password + "@mq.internal:5672/prod", "--print-config"},
      dir.path(), 60s);
  INFO(shown.out << shown.err);
  CHECK(shown.status == 0);
  CHECK(shown.out.find("amqp://shop:****@mq.internal:5672/prod") != std::string::npos);
  CHECK(shown.out.find(password) == std::string::npos);

  // The '@' forgotten: the password sits where a port should be.
  const auto bad = gg::test::run_to_end(
      gg::test::binary_path(), {"serve", "--broker", "amqp://shop:" + password, "--print-config"},
      dir.path(), 60s);
  INFO(bad.out << bad.err);
  CHECK(bad.status != 0);
  CHECK((bad.out + bad.err).find("--broker") != std::string::npos);
  CHECK((bad.out + bad.err).find(password) == std::string::npos);
}

TEST_CASE("an ingest node and a loader node joined by a broker load every posted event once",
          "[e2e][broker][slow]") {
  gg::test::rabbitmq_node node;
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  const gg::test::node_common nodes{gg::test::start_with_user(node), db.conninfo()};
  gg::test::temp_dir dir("gg-e2e-broker2");
  gg::test::serve_process ingest(dir / "ingest",
                                 nodes.args({"--role", "ingest", "--segment-max-age", "200ms"}));
  gg::test::serve_process loader(dir / "loader", nodes.args({"--role", "loader"}));
  gg::test::require_ready(ingest);
  gg::test::require_ready(loader);

  for (int i = 0; i < 20; ++i) {
    REQUIRE(post_page_view(ingest.endpoints().public_port, "joined-" + std::to_string(i)) == 200);
  }
  auto conn = db.connect();
  const auto loaded = [&] {
    return gg::test::scalar(conn,
                            "SELECT count(*) FROM raw_data.page_views WHERE session_id LIKE "
                            "'joined-%'");
  };
  REQUIRE(gg::test::eventually([&] { return loaded() >= 20; }, 180s, 100ms,
                               "the posted events loaded from the stream"));
  CHECK(loaded() == 20);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(DISTINCT session_id) FROM raw_data.page_views WHERE "
                         "session_id LIKE 'joined-%'") == 20);
  CHECK(gg::test::scalar(conn,
                         "SELECT next_offset FROM pipeline.stream_offsets WHERE queue = "
                         "'page_views'") >= 20);

  http_client admin(loader.endpoints().admin_port);
  std::string ready_body;
  CHECK(gg::test::eventually(
      [&] {
        ready_body = admin.get("/readyz").body;
        return ready_body.find(R"("stream-loader":{"state":"up")") != std::string::npos &&
               ready_body.find("page_views") != std::string::npos;
      },
      60s, 100ms, "the stream loader up and loading page_views"));
  INFO(ready_body);
  CHECK(ready_body.find(password) == std::string::npos);
  CHECK(admin.get("/metrics").body.find("gadgetgrove_stream_loader_events_total") !=
        std::string::npos);
  CHECK(loader.log().find(password) == std::string::npos);

  loader.process().signal(SIGTERM);
  CHECK(loader.process().wait(120s) == 0);
  ingest.process().signal(SIGTERM);
  CHECK(ingest.process().wait(120s) == 0);
}

TEST_CASE("a loader node killed at a random moment is taken over and every event loads once",
          "[e2e][broker][slow]") {
  std::mt19937 rng(gg::test::test_seed("broker loader kill"));
  gg::test::rabbitmq_node node;
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  const gg::test::node_common nodes{gg::test::start_with_user(node), db.conninfo()};
  gg::test::temp_dir dir("gg-e2e-broker3");
  gg::test::serve_process ingest(dir / "ingest",
                                 nodes.args({"--role", "ingest", "--segment-max-age", "100ms"}));
  auto first =
      std::make_unique<gg::test::serve_process>(dir / "loader1", nodes.args({"--role", "loader"}));
  gg::test::require_ready(ingest);
  gg::test::require_ready(*first);
  auto conn = db.connect();
  const auto loaded = [&] {
    return gg::test::scalar(conn,
                            "SELECT count(*) FROM raw_data.page_views WHERE session_id LIKE "
                            "'kill-%'");
  };
  const auto post_range = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      REQUIRE(post_page_view(ingest.endpoints().public_port, "kill-" + std::to_string(i)) == 200);
    }
  };

  post_range(0, 150);
  REQUIRE(gg::test::eventually([&] { return loaded() > 0; }, 180s, 20ms, "loading begun"));
  // Somewhere in the middle of loading: posts keep coming while the node dies.
  std::thread more([&] { post_range(150, 300); });
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1500)(rng)));
  first->process().signal(SIGKILL);
  first->process().wait(60s);
  more.join();
  first.reset();
  // Events only the next node can load (the dead one may have loaded all the others).
  post_range(300, 350);

  // Its session is gone, and with it the queue's lock: a new node takes over where the dead
  // one committed.
  gg::test::serve_process second(dir / "loader2", nodes.args({"--role", "loader"}));
  gg::test::require_ready(second);
  REQUIRE(gg::test::eventually([&] { return loaded() >= 350; }, 180s, 100ms,
                               "every posted event loaded"));
  CHECK(loaded() == 350);
  // No stream range was loaded twice: the event_id guard set nothing aside (the shipper was
  // never cut off, so the stream holds each event once).
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM raw_data.rejected_events WHERE segment LIKE "
                         "'page_views/stream-%'") == 0);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(DISTINCT session_id) FROM raw_data.page_views WHERE "
                         "session_id LIKE 'kill-%'") == 350);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM pipeline.stream_offsets WHERE queue = 'page_views' "
                         "AND node LIKE '%:" +
                             std::to_string(second.endpoints().pid) + "'") == 1);
}

TEST_CASE("serve --broker with every role ships and loads through the broker in one process",
          "[e2e][broker][slow]") {
  gg::test::rabbitmq_node node;
  const gg::test::node_common nodes{gg::test::start_with_user(node), ""};
  const std::string& url = nodes.broker_url;
  gg::test::temp_dir dir("gg-e2e-broker4");
  gg::test::serve_process serve(dir / "data", nodes.args({"--segment-max-age", "200ms"}));
  gg::test::require_ready(serve);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(post_page_view(serve.endpoints().public_port, "all-" + std::to_string(i)) == 200);
  }
  {
    auto conn = gg::pg::connection::open(serve.endpoints().database);
    if (!conn) FAIL(conn.error());
    const auto loaded = [&] {
      return gg::test::scalar(
          *conn, "SELECT count(*) FROM raw_data.page_views WHERE session_id LIKE 'all-%'");
    };
    REQUIRE(gg::test::eventually([&] { return loaded() >= 10; }, 180s, 100ms,
                                 "the events loaded from the stream"));
    CHECK(loaded() == 10);
    // They came through the stream, not the local loader (which this process does not run).
    CHECK(gg::test::scalar(*conn,
                           "SELECT next_offset FROM pipeline.stream_offsets WHERE queue = "
                           "'page_views'") >= 10);
    CHECK(sessions_in_stream(url, {"all-0", "all-9"}) == std::set<std::string>{"all-0", "all-9"});
    const auto ready = http_client(serve.endpoints().admin_port).get("/readyz").body;
    INFO(ready);
    CHECK(ready.find(R"("shipper":)") != std::string::npos);
    CHECK(ready.find(R"("stream-loader":)") != std::string::npos);
    CHECK(ready.find(R"("loader":)") == std::string::npos);
  }  // the connection closes before the embedded PostgreSQL stops
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(120s) == 0);
}
