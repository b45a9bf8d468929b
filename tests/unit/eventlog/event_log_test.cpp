#include <gadgetgrove/eventlog/event_log.hpp>

#include "eventlog_test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace gg::eventlog;
using namespace gg::eventlog::test;
using namespace std::chrono_literals;

namespace {

const std::string log_dir = "/data/log";

std::string queue_dir(queue_id q) { return log_dir + "/" + std::string(to_string(q)); }

gg::deadline in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

struct harness {
  std::shared_ptr<fault_file_system> fs = std::make_shared<fault_file_system>();
  gg::metrics::registry registry;
  event_log_config config;

  harness() {
    config.log_dir = log_dir;
    config.fs = fs;
    config.metrics = &registry;
    config.rotate_age = 1h;
    config.retry_interval = 5ms;
    config.min_free_bytes = 0;
  }

  std::uint64_t counter(std::string_view name, const gg::metrics::labels& labels) {
    return registry.get_counter(name, "", labels).value();
  }
  std::uint64_t events(queue_id q, const char* outcome) {
    return counter("gadgetgrove_eventlog_events_total",
                   {{"queue", std::string(to_string(q))}, {"outcome", outcome}});
  }
};

/// Collects what each completion was told, by event id.
class outcomes {
 public:
  completion make(const std::string& id) {
    return [this, id](gg::status s) {
      std::lock_guard lock(mu_);
      if (!by_id_.emplace(id, std::move(s)).second) ++duplicates_;
    };
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return by_id_.size();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) const {
    return eventually([&] { return size() >= n; }, timeout);
  }
  std::set<std::string> ok_ids() const {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [id, s] : by_id_) {
      if (s) out.insert(id);
    }
    return out;
  }
  std::map<std::string, gg::status> all() const {
    std::lock_guard lock(mu_);
    return by_id_;
  }
  int duplicates() const {
    std::lock_guard lock(mu_);
    return duplicates_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, gg::status> by_id_;
  int duplicates_ = 0;
};

submit_result submit(event_log& log, queue_id q, const std::string& id, outcomes& out) {
  return log.try_submit({q, event_line(id), out.make(id)});
}

/// Event ids found in every queue directory, with how often each appears; fails the test on
/// any line that does not verify.
std::map<std::string, int> ids_on_disk(const fault_file_system& fs) {
  std::map<std::string, int> ids;
  for (const queue_id q : all_queues) {
    const auto r = read_queue(fs, queue_dir(q));
    CHECK(r.bad == 0);
    for (const auto& line : r.lines) ++ids[id_of(line)];
  }
  return ids;
}

/// An ordered record of file system and completion events, for ordering checks.
class journal {
 public:
  void add(std::string e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  static std::ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& e) {
    const auto it = std::find(v.begin(), v.end(), e);
    return it == v.end() ? -1 : it - v.begin();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace

TEST_CASE("every accepted event is written once, framed, in its queue's segment",
          "[unit][eventlog]") {
  harness h;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  CHECK(log.health().state == gg::health_state::up);
  std::map<std::string, queue_id> sent;
  for (int i = 0; i < 200; ++i) {
    const queue_id q = all_queues[static_cast<std::size_t>(i) % queue_count];
    const std::string id = "e" + std::to_string(i);
    REQUIRE(submit(log, q, id, out).accepted());
    sent[id] = q;
  }
  REQUIRE(out.wait_for(200));
  CHECK(out.ok_ids().size() == 200);
  REQUIRE(log.drain(in(10s)));
  CHECK(log.health().state == gg::health_state::stopped);
  CHECK(out.duplicates() == 0);

  for (const queue_id q : all_queues) {
    const auto r = read_queue(*h.fs, queue_dir(q));
    CHECK(r.open_files == 0);
    CHECK(r.sealed_files >= 1);
    CHECK(r.bad == 0);
    CHECK(r.lines.size() == 40);
    for (const auto& line : r.lines) {
      const std::string id = id_of(line);
      REQUIRE(sent.count(id) == 1);
      CHECK(sent[id] == q);
      std::string object = line;
      unframe_in_place(object);
      CHECK(object == event_line(id));
    }
    CHECK(h.events(q, "accepted") == 40);
    CHECK(h.events(q, "written") == 40);
    CHECK(h.counter("gadgetgrove_eventlog_written_bytes_total",
                    {{"queue", std::string(to_string(q))}}) > 0);
  }
}

TEST_CASE("durable acknowledgements come only after fdatasync returns", "[unit][eventlog]") {
  harness h;
  journal j;
  h.fs->set_sync_delay(30ms);
  h.fs->set_observer([&](std::string_view op, const std::string&) { j.add(std::string(op)); });
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(log.try_submit({queue_id::page_views, event_line("d1"),
                          [&](gg::status s) { j.add(s ? "ack" : "nack"); }})
              .accepted());
  REQUIRE(eventually([&] { return journal::index_of(j.events(), "ack") >= 0; }));
  CHECK(std::chrono::steady_clock::now() - t0 >= 30ms);
  const auto ev = j.events();
  const auto write = journal::index_of(ev, "write");
  const auto begin = journal::index_of(ev, "fdatasync:begin");
  const auto end = journal::index_of(ev, "fdatasync:end");
  const auto ack = journal::index_of(ev, "ack");
  REQUIRE(write >= 0);
  CHECK(write < begin);
  CHECK(begin < end);
  CHECK(end < ack);
  REQUIRE(log.drain(in(10s)));
}

TEST_CASE("written acknowledgements come after write(2) and before fdatasync", "[unit][eventlog]") {
  harness h;
  h.config.ack = ack_mode::written;
  journal j;
  h.fs->set_sync_delay(30ms);
  h.fs->set_observer([&](std::string_view op, const std::string&) { j.add(std::string(op)); });
  event_log log(h.config);
  REQUIRE(log.start());
  REQUIRE(log.try_submit({queue_id::page_views, event_line("w1"),
                          [&](gg::status s) { j.add(s ? "ack" : "nack"); }})
              .accepted());
  REQUIRE(eventually([&] { return journal::index_of(j.events(), "fdatasync:end") >= 0; }));
  const auto ev = j.events();
  const auto write = journal::index_of(ev, "write");
  const auto ack = journal::index_of(ev, "ack");
  const auto begin = journal::index_of(ev, "fdatasync:begin");
  REQUIRE(ack >= 0);
  CHECK(write < ack);
  CHECK(ack < begin);
  REQUIRE(log.drain(in(10s)));
  CHECK(ids_on_disk(*h.fs).count("w1") == 1);
}

TEST_CASE("queued acknowledgements come before try_submit returns", "[unit][eventlog]") {
  harness h;
  h.config.ack = ack_mode::queued;
  h.fs->set_sync_delay(20ms);
  event_log log(h.config);
  REQUIRE(log.start());
  bool called = false;
  REQUIRE(log.try_submit({queue_id::user_events, event_line("q1"),
                          [&](gg::status s) { called = s.has_value(); }})
              .accepted());
  CHECK(called);
  REQUIRE(log.drain(in(10s)));
  CHECK(ids_on_disk(*h.fs).count("q1") == 1);
  CHECK(h.events(queue_id::user_events, "written") == 1);
}

TEST_CASE("a full queue answers queue_full and leaves the request with the caller",
          "[unit][eventlog]") {
  harness h;
  h.config.queue_capacity = 4;
  h.fs->set_sync_delay(150ms);
  std::atomic<bool> syncing{false};
  h.fs->set_observer([&](std::string_view op, const std::string&) {
    if (op == "fdatasync:begin") syncing = true;
  });
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  REQUIRE(submit(log, queue_id::page_views, "first", out).accepted());
  REQUIRE(eventually([&] { return syncing.load(); }));  // the writer is busy in fsync
  for (int i = 0; i < 4; ++i) {
    REQUIRE(submit(log, queue_id::page_views, "fill" + std::to_string(i), out).accepted());
  }
  bool rejected_called = false;
  append_request extra{queue_id::page_views, event_line("extra"),
                       [&](gg::status) { rejected_called = true; }};
  const auto r = log.try_submit(std::move(extra));
  CHECK(r.status == submit_status::queue_full);
  CHECK(extra.line == event_line("extra"));  // untouched, unframed
  CHECK(static_cast<bool>(extra.done));
  CHECK(h.events(queue_id::page_views, "rejected_full") == 1);
  REQUIRE(log.drain(in(10s)));
  CHECK_FALSE(rejected_called);
  CHECK(out.ok_ids().size() == 5);
  const auto ids = ids_on_disk(*h.fs);
  CHECK(ids.count("extra") == 0);
  CHECK(ids.size() == 5);
}

TEST_CASE(
    "disk full fails completions, degrades the stage, and resumes when space returns "
    "without losing anything acknowledged",
    "[unit][eventlog]") {
  harness h;
  h.config.min_free_bytes = 1024;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  for (int i = 0; i < 10; ++i) {
    REQUIRE(submit(log, queue_id::page_views, "a" + std::to_string(i), out).accepted());
  }
  REQUIRE(out.wait_for(10));
  REQUIRE(out.ok_ids().size() == 10);

  h.fs->set_capacity(h.fs->used_bytes() + 50);  // less than one line: partial write, then ENOSPC
  std::vector<append_request> doomed;
  for (int i = 0; i < 5; ++i) {
    const std::string id = "b" + std::to_string(i);
    doomed.push_back({queue_id::page_views, event_line(id), out.make(id)});
  }
  REQUIRE(log.try_submit_batch(std::move(doomed)).accepted());
  REQUIRE(out.wait_for(15));
  for (int i = 0; i < 5; ++i) {
    const auto s = out.all().at("b" + std::to_string(i));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == gg::errc::no_space);
  }
  const auto health = log.health();
  CHECK(health.state == gg::health_state::degraded);
  CHECK(health.detail.find("disk full on /data/log") != std::string::npos);
  bool called = false;
  const auto refused =
      log.try_submit({queue_id::page_views, event_line("c0"), [&](gg::status) { called = true; }});
  CHECK(refused.status == submit_status::unavailable);
  CHECK(refused.reason == unavailable_reason::disk_full);
  CHECK(h.counter("gadgetgrove_eventlog_write_errors_total",
                  {{"queue", "page_views"}, {"kind", "no_space"}}) >= 1);
  CHECK(h.registry.get_gauge("gadgetgrove_eventlog_degraded", "").value() == 1);
  // Still degraded after several retries while the disk stays full.
  std::this_thread::sleep_for(30ms);
  CHECK(log.health().state == gg::health_state::degraded);

  h.fs->set_capacity(std::nullopt);
  REQUIRE(eventually([&] { return log.health().state == gg::health_state::up; }));
  CHECK(h.registry.get_gauge("gadgetgrove_eventlog_degraded", "").value() == 0);
  for (int i = 0; i < 10; ++i)
    REQUIRE(submit(log, queue_id::page_views, "d" + std::to_string(i), out).accepted());
  REQUIRE(out.wait_for(25));
  REQUIRE(log.drain(in(10s)));
  CHECK_FALSE(called);

  const auto ok = out.ok_ids();
  CHECK(ok.size() == 20);
  const auto ids = ids_on_disk(*h.fs);
  for (const auto& id : ok) CHECK(ids.count(id) == 1);
  for (const auto& [id, n] : ids) {
    CHECK(n == 1);
    CHECK(ok.count(id) == 1);  // nothing that failed reached the segment
  }
}

TEST_CASE("an fsync error fails the batch as an I/O error and the stage recovers",
          "[unit][eventlog]") {
  harness h;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  REQUIRE(submit(log, queue_id::ecommerce_events, "before", out).accepted());
  REQUIRE(out.wait_for(1));
  h.fs->fail_next_syncs(EIO);
  REQUIRE(submit(log, queue_id::ecommerce_events, "lost", out).accepted());
  REQUIRE(out.wait_for(2));
  const auto s = out.all().at("lost");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == gg::errc::io);
  REQUIRE(eventually([&] { return log.health().state == gg::health_state::up; }));
  REQUIRE(submit(log, queue_id::ecommerce_events, "after", out).accepted());
  REQUIRE(out.wait_for(3));
  REQUIRE(log.drain(in(10s)));
  const auto ids = ids_on_disk(*h.fs);
  CHECK(ids.count("before") == 1);
  CHECK(ids.count("after") == 1);
  CHECK(ids.count("lost") == 0);
  CHECK(h.events(queue_id::ecommerce_events, "failed") == 1);
  CHECK(h.counter("gadgetgrove_eventlog_write_errors_total",
                  {{"queue", "ecommerce_events"}, {"kind", "io"}}) == 1);
}

TEST_CASE("an ENOSPC from fdatasync is reported as disk full", "[unit][eventlog]") {
  harness h;
  h.config.retry_interval = 1h;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  h.fs->fail_next_syncs(ENOSPC);
  REQUIRE(submit(log, queue_id::user_events, "nospace", out).accepted());
  REQUIRE(out.wait_for(1));
  const auto s = out.all().at("nospace");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == gg::errc::no_space);
  CHECK(log.health().detail.find("disk full on /data/log") != std::string::npos);
  CHECK(log.try_submit({queue_id::user_events, event_line("n2"), {}}).reason ==
        unavailable_reason::disk_full);
  REQUIRE(log.drain(in(10s)));
  CHECK(ids_on_disk(*h.fs).empty());
}

TEST_CASE("a write error while degraded is reported in health with its cause", "[unit][eventlog]") {
  harness h;
  h.config.retry_interval = 1h;  // stay degraded for the checks
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  h.fs->fail_next_writes(EIO, 1);
  REQUIRE(submit(log, queue_id::event_queue, "x", out).accepted());
  REQUIRE(out.wait_for(1));
  const auto health = log.health();
  CHECK(health.state == gg::health_state::degraded);
  CHECK(health.detail.find("write errors on /data/log") != std::string::npos);
  const auto r = log.try_submit({queue_id::event_queue, event_line("y"), {}});
  CHECK(r.reason == unavailable_reason::write_error);
  CHECK(log.drain(in(10s)));
}

TEST_CASE("a crash loses nothing that was acknowledged as durable", "[unit][eventlog]") {
  harness h;
  outcomes out;
  std::atomic<bool> stop{false};
  {
    event_log log(h.config);
    REQUIRE(log.start());
    std::vector<std::thread> producers;
    for (int p = 0; p < 4; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; !stop.load(); ++i) {
          const queue_id q = all_queues[static_cast<std::size_t>(i + p) % queue_count];
          const auto r = submit(log, q, "p" + std::to_string(p) + "-" + std::to_string(i), out);
          if (!r.accepted()) std::this_thread::sleep_for(1ms);
        }
      });
    }
    REQUIRE(eventually([&] { return out.ok_ids().size() >= 500; }));
    h.fs->crash();
    stop = true;
    for (auto& t : producers) t.join();
  }  // the old process's writer dies with EIO everywhere
  const auto acked = out.ok_ids();
  REQUIRE(acked.size() >= 500);

  h.fs->reboot();
  event_log after(h.config);
  REQUIRE(after.start());
  REQUIRE(after.drain(in(10s)));
  const auto ids = ids_on_disk(*h.fs);
  std::size_t missing = 0;
  for (const auto& id : acked) {
    const auto it = ids.find(id);
    if (it == ids.end()) {
      ++missing;
    } else {
      CHECK(it->second == 1);
    }
  }
  CHECK(missing == 0);
  for (const queue_id q : all_queues) CHECK(read_queue(*h.fs, queue_dir(q)).open_files == 0);
}

TEST_CASE("four concurrent producers get every line written exactly once, each in order",
          "[unit][eventlog]") {
  harness h;
  h.config.queue_capacity = 1024;
  h.config.max_batch = 256;
  outcomes out;
  constexpr int producers = 4;
  constexpr int per_producer = 2000;
  event_log log(h.config);
  REQUIRE(log.start());
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        const std::string id = "p" + std::to_string(p) + "-" + std::to_string(i);
        while (!submit(log, queue_id::analytics_events, id, out).accepted()) {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(out.wait_for(producers * per_producer, 30s));
  REQUIRE(log.drain(in(10s)));
  CHECK(out.ok_ids().size() == producers * per_producer);
  CHECK(out.duplicates() == 0);

  const auto r = read_queue(*h.fs, queue_dir(queue_id::analytics_events));
  CHECK(r.bad == 0);
  CHECK(r.lines.size() == producers * per_producer);
  std::set<std::string> seen;
  std::vector<int> next(producers, 0);
  bool in_order = true;
  for (const auto& line : r.lines) {
    const std::string id = id_of(line);
    CHECK(seen.insert(id).second);
    const int p = id[1] - '0';
    const int i = std::stoi(id.substr(3));
    if (i != next[static_cast<std::size_t>(p)]) in_order = false;
    next[static_cast<std::size_t>(p)] = i + 1;
  }
  CHECK(in_order);
  const auto& batches = h.registry.get_histogram("gadgetgrove_eventlog_batch_size_events", "",
                                                 gg::metrics::size_buckets());
  CHECK(batches.count() > 0);
  CHECK(batches.count() <= static_cast<std::uint64_t>(producers * per_producer));
}

TEST_CASE("segments are sealed by age while the log runs", "[unit][eventlog]") {
  harness h;
  // Long enough that the segment is still open when the first check reads the stats, even on a
  // loaded machine; the seal itself is awaited below.
  h.config.rotate_age = 500ms;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  REQUIRE(submit(log, queue_id::user_events, "u1", out).accepted());
  REQUIRE(out.wait_for(1));
  CHECK(
      log.stats().queues[index_of(queue_id::user_events)].active_segment.ends_with(".jsonl.open"));
  REQUIRE(eventually(
      [&] { return read_queue(*h.fs, queue_dir(queue_id::user_events)).sealed_files == 1; }));
  const auto r = read_queue(*h.fs, queue_dir(queue_id::user_events));
  CHECK(r.open_files == 0);
  CHECK(r.lines.size() == 1);
  REQUIRE(eventually(
      [&] { return log.stats().queues[index_of(queue_id::user_events)].active_segment.empty(); }));
  CHECK(h.counter("gadgetgrove_eventlog_segments_sealed_total", {{"queue", "user_events"}}) == 1);
  REQUIRE(log.drain(in(10s)));
}

TEST_CASE("segments are sealed by size and never grow past rotate_bytes", "[unit][eventlog]") {
  harness h;
  std::string one = event_line("s0");
  frame_in_place(one);
  h.config.rotate_bytes = one.size() * 3;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  for (int i = 0; i < 7; ++i) {
    REQUIRE(submit(log, queue_id::page_views, "s" + std::to_string(i), out).accepted());
    REQUIRE(out.wait_for(static_cast<std::size_t>(i) + 1));
  }
  REQUIRE(log.drain(in(10s)));
  const auto files = files_in(*h.fs, queue_dir(queue_id::page_views));
  CHECK(files.size() == 3);
  std::size_t total = 0;
  for (const auto& [name, data] : files) {
    CHECK(name.ends_with(".jsonl"));
    CHECK(data.size() <= h.config.rotate_bytes);
    total += data.size();
  }
  CHECK(total == 7 * one.size());
}

TEST_CASE("a batch submission is all or nothing", "[unit][eventlog]") {
  harness h;
  h.config.queue_capacity = 8;
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());

  std::vector<append_request> too_big;
  for (int i = 0; i < 9; ++i) {
    const std::string id = "big" + std::to_string(i);
    too_big.push_back({queue_id::page_views, event_line(id), out.make(id)});
  }
  CHECK(log.try_submit_batch(std::move(too_big)).status == submit_status::queue_full);
  REQUIRE(too_big.size() == 9);
  CHECK(too_big[0].line == event_line("big0"));

  std::vector<append_request> with_bad;
  with_bad.push_back({queue_id::page_views, event_line("ok1"), out.make("ok1")});
  with_bad.push_back({queue_id::page_views, "not json", out.make("bad")});
  CHECK(log.try_submit_batch(std::move(with_bad)).status == submit_status::invalid);

  std::vector<append_request> good;
  for (int i = 0; i < 5; ++i) {
    const std::string id = "g" + std::to_string(i);
    good.push_back({all_queues[static_cast<std::size_t>(i)], event_line(id), out.make(id)});
  }
  CHECK(log.try_submit_batch(std::move(good)).accepted());
  REQUIRE(out.wait_for(5));
  REQUIRE(log.drain(in(10s)));
  CHECK(out.size() == 5);
  const auto ids = ids_on_disk(*h.fs);
  CHECK(ids.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(ids.count("g" + std::to_string(i)) == 1);
}

TEST_CASE("submissions are refused before start and after drain", "[unit][eventlog]") {
  harness h;
  event_log log(h.config);
  auto r = log.try_submit({queue_id::page_views, event_line("early"), {}});
  CHECK(r.status == submit_status::unavailable);
  CHECK(r.reason == unavailable_reason::not_running);
  REQUIRE(log.start());
  CHECK_FALSE(log.start());
  REQUIRE(log.drain(in(10s)));
  r = log.try_submit({queue_id::page_views, event_line("late"), {}});
  CHECK(r.status == submit_status::unavailable);
  CHECK(r.reason == unavailable_reason::shutting_down);
  CHECK(log.drain(in(1s)));  // idempotent

  event_log never_started(h.config);
  CHECK(never_started.drain(in(1s)));
}

TEST_CASE("lines that cannot be framed are rejected and counted", "[unit][eventlog]") {
  harness h;
  event_log log(h.config);
  REQUIRE(log.start());
  for (const std::string bad : {"", "{}", "[1]", "{\"a\":\"x\ny\"}", "{\"a\":1} "}) {
    const auto r = log.try_submit({queue_id::event_queue, bad, {}});
    CHECK(r.status == submit_status::invalid);
  }
  CHECK(h.events(queue_id::event_queue, "rejected_invalid") == 5);
  REQUIRE(log.drain(in(10s)));
  CHECK(ids_on_disk(*h.fs).empty());
}

TEST_CASE("start-up recovery seals, cuts and quarantines what a previous run left, and counts it",
          "[unit][eventlog]") {
  harness h;
  const std::string good = segment_of({event_line("r1"), event_line("r2")});
  std::string torn_line = event_line("r3");
  frame_in_place(torn_line);
  h.fs->put(queue_dir(queue_id::page_views) + "/20250101T000000000000Z-00000007.jsonl.open",
            good + torn_line.substr(0, 20));
  std::string corrupt = segment_of({event_line("c1"), event_line("c2"), event_line("c3")});
  corrupt[corrupt.find("c2")] = 'x';
  h.fs->put(queue_dir(queue_id::user_events) + "/20250101T000000000000Z-00000002.jsonl.open",
            corrupt);
  h.fs->put(queue_dir(queue_id::event_queue) + "/20250101T000000000000Z-00000004.jsonl.open", "");

  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  CHECK(h.counter("gadgetgrove_eventlog_recovered_torn_total", {{"queue", "page_views"}}) == 1);
  CHECK(h.counter("gadgetgrove_eventlog_quarantined_segments_total", {{"queue", "user_events"}}) ==
        1);
  CHECK(*h.fs->contents(queue_dir(queue_id::page_views) +
                        "/20250101T000000000000Z-00000007.jsonl") == good);
  // The good line before the corrupt one is sealed (and so loaded); only the rest is kept aside.
  const std::size_t first_bad = segment_of({event_line("c1")}).size();
  CHECK(*h.fs->contents(queue_dir(queue_id::user_events) +
                        "/20250101T000000000000Z-00000002.jsonl") == corrupt.substr(0, first_bad));
  CHECK(
      *h.fs->contents("/data/quarantine/user_events/20250101T000000000000Z-00000002.jsonl.bytes-" +
                      std::to_string(first_bad) + "-" + std::to_string(corrupt.size())) ==
      corrupt.substr(first_bad));
  CHECK(h.counter("gadgetgrove_eventlog_quarantined_bytes_total", {{"queue", "user_events"}}) ==
        corrupt.size() - first_bad);
  CHECK(files_in(*h.fs, queue_dir(queue_id::event_queue)).empty());

  REQUIRE(submit(log, queue_id::page_views, "new", out).accepted());
  REQUIRE(out.wait_for(1));
  const auto active = log.stats().queues[index_of(queue_id::page_views)].active_segment;
  CHECK(active.ends_with("-00000008.jsonl.open"));
  REQUIRE(log.drain(in(10s)));
}

TEST_CASE("stats report accepted events, bytes, the active segment and the sealed backlog",
          "[unit][eventlog]") {
  harness h;
  h.fs->put(queue_dir(queue_id::event_queue) + "/20200101T000000000000Z-00000001.jsonl",
            segment_of({event_line("old")}));
  h.fs->put(queue_dir(queue_id::event_queue) + "/20210101T000000000000Z-00000002.jsonl",
            segment_of({event_line("older")}));
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(submit(log, queue_id::event_queue, "s" + std::to_string(i), out).accepted());
  }
  REQUIRE(out.wait_for(3));
  const auto s = log.stats();
  const auto& q = s.queues[index_of(queue_id::event_queue)];
  CHECK(q.queue == queue_id::event_queue);
  CHECK(q.events_accepted == 3);
  std::string line = event_line("s0");
  frame_in_place(line);
  CHECK(q.bytes_written == 3 * line.size());
  CHECK(q.active_segment.ends_with(".jsonl.open"));
  CHECK(q.sealed_waiting == 2);
  REQUIRE(q.oldest_sealed_age);
  CHECK(*q.oldest_sealed_age > std::chrono::hours(24 * 365 * 4));
  const auto& idle = s.queues[index_of(queue_id::page_views)];
  CHECK(idle.events_accepted == 0);
  CHECK(idle.sealed_waiting == 0);
  CHECK_FALSE(idle.oldest_sealed_age);
  CHECK(s.queue_capacity == 65536);
  CHECK(s.queue_depth == 0);
  CHECK(s.health.state == gg::health_state::up);
  REQUIRE(log.drain(in(10s)));
}

TEST_CASE("drain writes, syncs and seals everything queued and completes every request",
          "[unit][eventlog]") {
  harness h;
  h.fs->set_sync_delay(5ms);
  outcomes out;
  event_log log(h.config);
  REQUIRE(log.start());
  for (int i = 0; i < 300; ++i) {
    REQUIRE(submit(log, all_queues[static_cast<std::size_t>(i) % queue_count],
                   "x" + std::to_string(i), out)
                .accepted());
  }
  REQUIRE(log.drain(in(20s)));
  CHECK(out.size() == 300);
  CHECK(out.ok_ids().size() == 300);
  // Everything drained was made durable: a power loss right after changes nothing.
  h.fs->crash();
  h.fs->reboot();
  CHECK(ids_on_disk(*h.fs).size() == 300);
  for (const queue_id q : all_queues) CHECK(read_queue(*h.fs, queue_dir(q)).open_files == 0);
}
