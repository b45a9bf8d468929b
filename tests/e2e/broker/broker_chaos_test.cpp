// Chaos across nodes: two ingest nodes, two loader nodes and a web node joined by a private
// RabbitMQ node and one PostgreSQL, with `simulate --ack-log` against both ingest nodes. At
// random moments (seed printed) an ingest node and a loader node are SIGKILLed and started
// again, and the broker goes away and comes back. Nobody helps afterwards; every acknowledged
// event is then in raw_data exactly once, the analytics tables the web node's scheduled,
// incremental transform runs built equal a full refresh, and the run history names its nodes.

#include "broker_nodes.hpp"
#include "chaos_support.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "pg_fixture.hpp"
#include "pg_query.hpp"
#include "rabbitmq_node.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

// Where the acknowledged events of one ingest node ended up in the warehouse.
struct arrival {
  std::vector<std::string> missing;  // acknowledged, in no raw_data table
  std::vector<std::string> doubled;  // acknowledged, more than once in raw_data
  std::vector<std::string> refused;  // acknowledged, set aside for a reason other than a repeat
  std::size_t repeats = 0;           // acknowledged, a repeat set aside (the stream held it twice)
};

arrival compare(gg::pg::connection& conn, const std::set<std::string>& acked) {
  const auto in_db = chaos::ids_in_raw_tables(conn);
  // A shipper cut off mid-segment publishes the segment again: the repeats are set aside as
  // duplicate_event_id, which is the at-least-once stream becoming exactly-once rows.
  std::map<std::string, std::string> set_aside;
  auto r = conn.exec(
      "SELECT substring(raw from '\"event_id\":\"([^\"]+)\"'), reason FROM "
      "raw_data.rejected_events");
  if (!r) FAIL("reading raw_data.rejected_events: " << r.error().message);
  for (int i = 0; i < r->rows(); ++i) {
    if (r->is_null(i, 0)) continue;
    auto& reason = set_aside[std::string(r->get(i, 0))];
    // One refusal that is not a repeat is enough to name the event.
    if (reason.empty() || reason.rfind("duplicate_event_id", 0) == 0) {
      reason = std::string(r->get(i, 1));
    }
  }
  arrival a;
  for (const auto& id : acked) {
    const auto it = in_db.find(id);
    if (it == in_db.end()) {
      a.missing.push_back(id);
    } else if (it->second > 1) {
      a.doubled.push_back(id);
    }
    if (const auto s = set_aside.find(id); s != set_aside.end()) {
      if (s->second.rfind("duplicate_event_id", 0) == 0) {
        ++a.repeats;
      } else {
        a.refused.push_back(id + " (" + s->second + ")");
      }
    }
  }
  return a;
}

std::string first_of(const std::vector<std::string>& ids) {
  std::ostringstream out;
  for (std::size_t i = 0; i < ids.size() && i < 20; ++i) out << (i ? ", " : "") << ids[i];
  if (ids.size() > 20) out << ", ... (" << ids.size() << " in all)";
  return out.str();
}

std::string run_history(gg::pg::connection& conn) {
  auto r = conn.exec(
      "SELECT flow || ' ' || trigger || ' ' || state || ' on ' || coalesce(node, '(none)') || "
      "coalesce(' (' || left(error, 120) || ')', '') FROM pipeline.flow_runs ORDER BY "
      "created_at");
  if (!r) return "cannot read pipeline.flow_runs: " + r.error().message;
  std::string out;
  for (int i = 0; i < r->rows(); ++i) out += std::string(r->get(i, 0)) + "\n";
  return out;
}

// Product facts whose session has no row in session_summary (which holds sessions with a page
// view), with what raw_data holds of each such session: the data behind a failing relationships
// test.
std::string sessions_without_summary(gg::pg::connection& conn) {
  auto r = conn.exec(
      "SELECT p.session_id || ': ' || count(*) || ' product facts, ' || (SELECT count(*) FROM "
      "raw_data.page_views v WHERE v.session_id = p.session_id) || ' raw page views, ' || (SELECT "
      "count(*) FROM raw_data.ecommerce_events e WHERE e.session_id = p.session_id) || ' raw "
      "ecommerce events' FROM staging.int_product_events p WHERE p.session_id IS NOT NULL AND NOT "
      "EXISTS (SELECT 1 FROM analytics.session_summary s WHERE s.session_id = p.session_id) GROUP "
      "BY p.session_id ORDER BY 1 LIMIT 20");
  if (!r) return "cannot read the models: " + r.error().message;
  std::string out;
  for (int i = 0; i < r->rows(); ++i) out += std::string(r->get(i, 0)) + "\n";
  return out;
}

std::string pid_list(const std::vector<int>& pids) {
  std::string out;
  for (const int p : pids) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

// Whether `node` is a default node name "<host>:<pid>" of one of `pids`.
bool named_after(const std::string& node, const std::vector<int>& pids) {
  const auto colon = node.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  return std::any_of(pids.begin(), pids.end(),
                     [&](int pid) { return node.substr(colon + 1) == std::to_string(pid); });
}

}  // namespace

TEST_CASE(
    "ingest, loader and broker failing at random moments across nodes lose and double no "
    "acknowledged event",
    "[e2e][broker][chaos][slow]") {
  const bool long_run = chaos::long_form();
  // Per ingest node: the two simulate clients together stay well within what two cores carry
  // next to seven server processes.
  const int rate = long_run ? 400 : 120;
  const int node_kills = long_run ? 3 : 1;  // of an ingest node, and as many of a loader node
  const auto outage = long_run ? 30s : 4s;
  std::uniform_int_distribution<int> pause_ms(long_run ? 2000 : 1000, long_run ? 8000 : 3000);
  const std::uint32_t seed = gg::test::test_seed("broker chaos");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937 rng(seed);
  const auto t0 = std::chrono::steady_clock::now();

  gg::test::rabbitmq_node mq;
  gg::test::pg_database db(gg::test::pg_database::schema::migrated);
  const gg::test::node_common nodes{gg::test::start_with_user(mq), db.conninfo()};
  gg::test::temp_dir dir("gg-broker-chaos");
  std::cerr << "broker chaos: broker up after " << chaos::seconds_since(t0) << " s" << std::endl;

  // Ingest nodes keep their public port across restarts, so each client keeps its target.
  const std::array<unsigned short, 2> ports{chaos::free_port(), chaos::free_port()};
  const auto ingest_dir = [&](int i) { return dir / ("ingest" + std::to_string(i + 1)); };
  const auto start_ingest = [&](int i) {
    auto n = std::make_unique<chaos::chaos_serve>(
        ingest_dir(i), dir / "logs", ports[static_cast<std::size_t>(i)],
        nodes.args({"--role", "ingest", "--segment-max-age", "200ms"}));
    n->wait_ready(120s);
    return n;
  };
  std::vector<int> loader_pids;
  const auto start_loader = [&](int i) {
    auto n = std::make_unique<gg::test::serve_process>(dir / ("loader" + std::to_string(i + 1)),
                                                       nodes.args({"--role", "loader"}));
    gg::test::require_ready(*n, 120s);
    loader_pids.push_back(n->endpoints().pid);
    return n;
  };
  std::array<std::unique_ptr<chaos::chaos_serve>, 2> ingest{start_ingest(0), start_ingest(1)};
  std::array<std::unique_ptr<gg::test::serve_process>, 2> loader{start_loader(0), start_loader(1)};
  // The transform flow on its schedule (a web node runs no loader, so no load triggers it):
  // the models are built piecewise while loads go on, which is what the full refresh is
  // compared against. simulate's events are synthetic; the models take them in.
  gg::test::serve_process web(
      dir / "web",
      {"--role", "web", "--database-url", db.conninfo(), "--traffic", "off", "--include-synthetic",
       "on", "--transform-interval", "3s", "--flow-retry-delay", "1s"});
  gg::test::require_ready(web, 120s);
  std::cerr << "broker chaos: five nodes up after " << chaos::seconds_since(t0) << " s"
            << std::endl;

  std::array<fs::path, 2> acks{dir / "acks1.txt", dir / "acks2.txt"};
  std::vector<std::unique_ptr<gg::test::child_process>> clients;
  for (std::size_t i = 0; i < 2; ++i) {
    // Bounded by --duration should the test die before its SIGTERM; a request that fails while
    // its node is down is not acknowledged, which is all a client can ask.
    clients.push_back(std::make_unique<gg::test::child_process>(
        gg::test::binary_path(),
        std::vector<std::string>{"simulate",
                                 "--url",
                                 ingest[i]->public_url(),
                                 "--rate",
                                 std::to_string(rate),
                                 "--duration",
                                 long_run ? "900s" : "300s",
                                 "--concurrency",
                                 "8",
                                 "--no-page-loads",
                                 "--max-error-rate",
                                 "1",
                                 "--timeout",
                                 "2s",
                                 "--progress",
                                 "never",
                                 "--seed",
                                 std::to_string(seed + 1 + i),
                                 "--ack-log",
                                 acks[i].string()},
        dir.path()));
  }

  // The faults, in an order the seed decides.
  std::vector<std::string> plan;
  for (int k = 0; k < node_kills; ++k) {
    plan.emplace_back("kill ingest");
    plan.emplace_back("kill loader");
  }
  plan.emplace_back("broker outage");
  if (long_run) plan.emplace_back("broker kill");
  std::shuffle(plan.begin(), plan.end(), rng);

  const auto pick = [&] { return std::uniform_int_distribution<int>(0, 1)(rng); };
  for (const auto& fault : plan) {
    const int ms = pause_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    for (auto& c : clients) REQUIRE(c->running());
    const auto f0 = std::chrono::steady_clock::now();
    std::string what;
    if (fault == "kill ingest") {
      const int i = pick();
      ingest[static_cast<std::size_t>(i)]->process().signal(SIGKILL);
      REQUIRE(ingest[static_cast<std::size_t>(i)]->process().wait(10s).has_value());
      ingest[static_cast<std::size_t>(i)] = start_ingest(i);
      what = "SIGKILL ingest" + std::to_string(i + 1) + ", restarted";
    } else if (fault == "kill loader") {
      const int i = pick();
      loader[static_cast<std::size_t>(i)]->process().signal(SIGKILL);
      REQUIRE(loader[static_cast<std::size_t>(i)]->process().wait(10s).has_value());
      loader[static_cast<std::size_t>(i)].reset();
      loader[static_cast<std::size_t>(i)] = start_loader(i);
      what = "SIGKILL loader" + std::to_string(i + 1) + ", restarted";
    } else if (fault == "broker outage") {
      mq.stop();
      std::this_thread::sleep_for(outage);
      mq.start();
      what = "broker stopped for " + std::to_string(outage.count()) + " s, started again";
    } else {
      // A killed node's streams may take minutes to come back; start() bounds the boot, the
      // drain below bounds the rest.
      mq.kill();
      mq.start();
      what = "broker SIGKILLed, started again";
    }
    std::cerr << "broker chaos: after " << ms << " ms: " << what << " (" << chaos::seconds_since(f0)
              << " s)" << std::endl;
  }

  // The last nodes take traffic for a moment too, then the clients stop.
  std::this_thread::sleep_for(2s);
  std::array<std::set<std::string>, 2> acked;
  std::size_t total = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    clients[i]->signal(SIGTERM);
    REQUIRE(clients[i]->wait(30s).has_value());
    const auto ids = chaos::read_lines(acks[i]);
    acked[i].insert(ids.begin(), ids.end());
    INFO("simulate against ingest" << (i + 1) << ": " << clients[i]->stdout_text()
                                   << clients[i]->stderr_text());
    REQUIRE(acked[i].size() > static_cast<std::size_t>(rate));
    total += acked[i].size();
  }
  std::cerr << "broker chaos: " << total << " events acknowledged after "
            << chaos::seconds_since(t0) << " s" << std::endl;

  // Bounded: shipping resumes within the retry delay's 10 s cap once the broker takes
  // connections, loading within a loader's poll.
  auto conn = db.connect();
  const auto d0 = std::chrono::steady_clock::now();
  const bool drained = gg::test::eventually(
      [&] {
        return compare(conn, acked[0]).missing.empty() && compare(conn, acked[1]).missing.empty();
      },
      long_run ? 420s : 180s, 500ms, "every acknowledged event loaded");
  std::cerr << "broker chaos: " << (drained ? "loaded" : "NOT loaded") << " "
            << chaos::seconds_since(d0) << " s after the clients stopped" << std::endl;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto a = compare(conn, acked[i]);
    std::cerr << "broker chaos: ingest" << (i + 1) << ": " << acked[i].size()
              << " acknowledged, missing " << a.missing.size() << ", doubled " << a.doubled.size()
              << ", refused " << a.refused.size() << ", repeats set aside " << a.repeats
              << std::endl;
    INFO("events acknowledged by ingest" << (i + 1));
    INFO("missing: " << first_of(a.missing));
    INFO("doubled: " << first_of(a.doubled));
    INFO("refused: " << first_of(a.refused));
    CHECK(a.missing.empty());
    CHECK(a.doubled.empty());
    CHECK(a.refused.empty());
  }
  REQUIRE(drained);

  // Nobody helped: every node is ready again (the shippers connected with nothing waiting in
  // log/, the stream loaders up).
  const auto ready = [](unsigned short admin_port, const std::string& name) {
    gg::test::http_reply r;
    const bool ok = gg::test::eventually(
        [&] {
          r = gg::test::http_client(admin_port).get("/readyz");
          return r.status == 200;
        },
        120s, 500ms, name + " ready");
    INFO(name << " /readyz: " << r.status << " " << r.body);
    CHECK(ok);
  };
  for (std::size_t i = 0; i < 2; ++i) {
    ready(ingest[i]->endpoints().admin_port, "ingest" + std::to_string(i + 1));
    ready(loader[i]->endpoints().admin_port, "loader" + std::to_string(i + 1));
  }
  ready(web.endpoints().admin_port, "web");

  // The last loads' models: one more run through the web node's admin API; the web node then
  // stops, so no scheduled run meets the full refresh. The models as the increments left them
  // against the same models rebuilt from scratch.
  const int last_run =
      chaos::cli({"run", "transform", "--data-dir", (dir / "web").string()}, dir / "cli").status;
  const std::string orphans = sessions_without_summary(conn);
  std::cerr << "broker chaos: product facts without a session_summary row:\n"
            << (orphans.empty() ? "(none)\n" : orphans);
  REQUIRE(last_run == 0);
  const int web_pid = web.endpoints().pid;
  web.process().signal(SIGTERM);
  CHECK(web.process().wait(60s) == std::optional<int>(0));
  const auto incremental = chaos::analytics_digest(conn);
  REQUIRE(chaos::cli({"transform", "run", "--full-refresh", "--vars", "{include_synthetic: true}",
                      "--database-url", db.conninfo(), "--data-dir", (dir / "cli-data").string()},
                     dir / "cli")
              .status == 0);
  const auto full = chaos::analytics_digest(conn);
  REQUIRE(!incremental.empty());
  std::size_t filled = 0;
  for (const auto& [table, digest] : full) filled += digest.rfind("0 rows", 0) == 0 ? 0 : 1;
  std::cerr << "broker chaos: " << full.size() << " analytics tables (" << filled
            << " not empty) compared with a full refresh" << std::endl;
  CHECK(filled > 0);
  for (const auto& [table, digest] : full) {
    INFO("analytics." << table);
    CHECK(incremental.count(table) == 1);
    if (incremental.count(table) == 1) CHECK(incremental.at(table) == digest);
  }

  // Every run that started names the node it ran on; the web node ran the scheduled transforms,
  // none of which failed (no fault touched the web node or the warehouse, and partly loaded
  // data must not fail a run), and each queue's committed offset names a loader node that lived.
  const std::string history = run_history(conn);
  INFO("pipeline.flow_runs:\n" << history);
  std::cerr << "broker chaos: flow runs: "
            << gg::test::text(conn,
                              "SELECT string_agg(n || ' ' || flow || ' ' || state, ', ' ORDER BY "
                              "flow, state) FROM (SELECT flow, state, count(*) AS n FROM "
                              "pipeline.flow_runs GROUP BY 1, 2) r")
            << std::endl;
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM pipeline.flow_runs WHERE flow = 'transform' AND "
                         "state IN ('failed', 'crashed')") == 0);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM pipeline.flow_runs WHERE started_at IS NOT NULL AND "
                         "coalesce(node, '') = ''") == 0);
  CHECK(gg::test::scalar(conn,
                         "SELECT count(*) FROM pipeline.flow_runs WHERE flow = 'transform' AND "
                         "trigger = 'schedule' AND state = 'completed' AND node LIKE '%:" +
                             std::to_string(web_pid) + "'") > 0);
  {
    auto r = conn.exec("SELECT queue, coalesce(node, '') FROM pipeline.stream_offsets");
    if (!r) FAIL("reading pipeline.stream_offsets: " << r.error().message);
    CHECK(r->rows() > 0);
    for (int i = 0; i < r->rows(); ++i) {
      const std::string node(r->get(i, 1));
      INFO("queue " << r->get(i, 0) << " committed by " << node << "; loader pids "
                    << pid_list(loader_pids));
      CHECK(named_after(node, loader_pids));
    }
  }

  // Every node still up stops cleanly.
  for (auto& n : loader) n->process().signal(SIGTERM);
  for (auto& n : ingest) n->process().signal(SIGTERM);
  for (auto& n : loader) CHECK(n->process().wait(60s) == std::optional<int>(0));
  for (auto& n : ingest) CHECK(n->process().wait(60s) == std::optional<int>(0));
  std::cerr << "broker chaos: scenario " << chaos::seconds_since(t0) << " s" << std::endl;
}
