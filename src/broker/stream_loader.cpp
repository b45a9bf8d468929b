#include <gadgetgrove/broker/stream_loader.hpp>

#include <gadgetgrove/broker/amqp_session.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/loader/segment_unit.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

namespace gg::broker {

namespace {

constexpr gg::logger lg{"stream-loader"};

// The lock key of a queue: one 64-bit advisory lock per stream, the same on every node.
constexpr std::string_view lock_sql =
    "SELECT pg_try_advisory_lock(hashtextextended('gadgetgrove.stream.' || $1, 0))";

// Zero-padded so the spool files of a queue sort by offset.
std::string padded(std::int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(v));
  return buf;
}

std::optional<std::int64_t> to_int64(std::string_view s) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

// A queue's consumer, kept across calls while it works: opening a connection, declaring the
// stream and starting a consumer cost a broker round trip each and a wait for the first
// delivery, paid on every call before.
struct stream_consumer {
  amqp_session session;
  // The stream offset the next message to load has: the committed offset as this consumer
  // knows it. When the ledger says otherwise (another node loaded meanwhile, or the offset was
  // set back by hand) the consumer is stale and starts again from the ledger.
  std::int64_t position = 0;
};

struct stream_loader::impl {
  stream_loader_options options;
  loader::segment_unit unit;
  std::optional<pg::connection> data;
  // Each queue's lock lives as long as the session that took it.
  std::map<std::string, pg::connection> locks;
  // Holds this node's shared member lock while it lives.
  std::optional<pg::connection> member;
  // Only for queues whose lock this node holds.
  std::map<std::string, stream_consumer> consumers;
  metrics::counter& loaded_events;
  metrics::counter& committed_batches;
  metrics::counter& skipped_messages;
  metrics::counter& consumers_started;

  explicit impl(stream_loader_options o)
      : options(std::move(o)),
        unit(options.metrics),
        loaded_events(registry().get_counter("gadgetgrove_stream_loader_events_total",
                                             "Stream messages committed into raw_data.*")),
        committed_batches(
            registry().get_counter("gadgetgrove_stream_loader_batches_total",
                                   "Batches committed together with their stream offset")),
        skipped_messages(registry().get_counter(
            "gadgetgrove_stream_loader_skipped_total",
            "Messages the broker no longer had when their turn came (retention too short)")),
        consumers_started(registry().get_counter(
            "gadgetgrove_stream_loader_consumers_total",
            "Stream consumers started (connection, declare, consume): one per queue taken, "
            "plus one per broken connection or ledger moved by another node")) {}

  metrics::registry& registry() const {
    return options.metrics != nullptr ? *options.metrics : metrics::global();
  }

  // The loader nodes running now, this one included (each holds the shared member lock
  // (26471 = "gg", 1) on a session of its own).
  gg::result<std::size_t> members() {
    if (!member || !member->is_open()) {
      member.reset();
      auto conn = pg::connection::open(options.conninfo);
      if (!conn) return conn.error();
      if (auto r = conn->exec("SELECT pg_advisory_lock_shared(26471, 1)"); !r) return r.error();
      member.emplace(std::move(*conn));
    }
    auto n = member->exec(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
        "mode = 'ShareLock' AND classid = 26471 AND objid = 1 AND objsubid = 2 AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    if (!n) {
      member.reset();
      return n.error();
    }
    const auto v = to_int64(n->get(0, 0));
    return static_cast<std::size_t>(v && *v > 0 ? *v : 1);
  }

  std::size_t fair_share(std::size_t nodes) const {
    return (std::max<std::size_t>(options.queue_count, 1) + nodes - 1) / nodes;
  }

  void drop_lock(const std::string& queue) {
    consumers.erase(queue);
    if (locks.erase(queue) > 0 && options.on_lock) options.on_lock(queue, false);
  }

  // Whether this node holds `queue`'s lock (taken now or earlier).
  gg::result<bool> hold_lock(const std::string& queue) {
    if (auto it = locks.find(queue); it != locks.end()) {
      // A session the server ended (a restart, a network cut) took the lock with it; libpq
      // only notices when asked.
      if (it->second.is_open() && it->second.exec("SELECT 1")) return true;
      locks.erase(it);
      consumers.erase(queue);
      if (options.on_lock) options.on_lock(queue, false);
    }
    auto conn = pg::connection::open(options.conninfo);
    if (!conn) return conn.error();
    auto got = conn->exec(lock_sql, queue);
    if (!got) return got.error();
    if (got->get(0, 0) != "t") return false;
    locks.emplace(queue, std::move(*conn));
    if (options.on_lock) options.on_lock(queue, true);
    return true;
  }

  gg::result<std::int64_t> committed_offset(const std::string& queue) {
    auto row =
        data->exec("SELECT next_offset FROM pipeline.stream_offsets WHERE queue = $1", queue);
    if (!row) return row.error();
    if (row->rows() == 0) return std::int64_t{0};
    auto v = to_int64(row->get(0, 0));
    if (!v) return gg::fail(gg::errc::invalid_input, "pipeline.stream_offsets: bad next_offset");
    return *v;
  }

  gg::status open_data() {
    if (data && data->is_open()) return {};
    data.reset();
    auto conn = pg::connection::open(options.conninfo);
    if (!conn) return conn.error();
    data.emplace(std::move(*conn));
    return {};
  }

  // A new consumer of `queue`'s stream from `offset`.
  gg::result<stream_consumer> start_consumer(const std::string& queue, std::int64_t offset) {
    auto session = amqp_session::connect(options.url, options.connect_timeout);
    if (!session) return session.error();
    const std::string stream = stream_name(queue);
    if (auto st = session->declare_stream(stream, options.retention); !st) return st.error();
    // Two batches' worth: the broker keeps delivering the next batch while this one loads.
    const auto prefetch = static_cast<std::uint16_t>(
        std::min<std::size_t>(2 * std::max<std::size_t>(options.batch_events, 1), 65535));
    if (auto st = session->consume(stream, {offset}, prefetch); !st) return st.error();
    consumers_started.inc();
    return stream_consumer{std::move(*session), offset};
  }
};

stream_loader::stream_loader(stream_loader_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

stream_loader::~stream_loader() { release(); }

void stream_loader::release() noexcept {
  for (const auto& [queue, conn] : impl_->locks) {
    if (impl_->options.on_lock) impl_->options.on_lock(queue, false);
  }
  impl_->consumers.clear();
  impl_->locks.clear();
  impl_->member.reset();
}

gg::result<stream_load_result> stream_loader::load_available(const std::string& queue) {
  auto& m = *impl_;
  stream_load_result out;
  auto nodes = m.members();
  if (!nodes) return nodes.error();
  const std::size_t share = m.fair_share(*nodes);
  if (m.locks.count(queue) > 0 && m.locks.size() > share) {
    // More than this node's part since others joined: give this one up between batches (its
    // offset is committed), for a node with fewer to take.
    m.drop_lock(queue);
    out.over_share = true;
    return out;
  }
  if (m.locks.count(queue) == 0 && m.locks.size() >= share) {
    out.over_share = true;
    return out;
  }
  auto held = m.hold_lock(queue);
  if (!held) return held.error();
  if (!*held) {
    out.lock_held_elsewhere = true;
    return out;
  }
  if (auto st = m.open_data(); !st) return st.error();
  auto start = m.committed_offset(queue);
  if (!start) return start.error();
  out.next_offset = *start;

  auto found = m.consumers.find(queue);
  if (found != m.consumers.end() && found->second.position != *start) {
    m.consumers.erase(found);
    found = m.consumers.end();
  }
  // A fresh consumer's first delivery takes the broker a moment (it reads the stream from
  // the offset); a running one has whatever arrived in its socket already.
  bool fresh = found == m.consumers.end();
  if (fresh) {
    auto c = m.start_consumer(queue, *start);
    if (!c) return c.error();
    found = m.consumers.emplace(queue, std::move(*c)).first;
  }
  stream_consumer* consumer = &found->second;
  // Whatever goes wrong below leaves the consumer unusable (deliveries taken but not
  // committed, or a broken session): the next call starts again from the ledger.
  struct drop_on_error {
    impl& m;
    const std::string& queue;
    bool armed = true;
    ~drop_on_error() {
      if (armed) m.consumers.erase(queue);
    }
  } guard{m, queue};

  const std::filesystem::path dir = m.options.spool_dir / queue;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return gg::fail(gg::errc::io, "cannot create " + dir.string() + ": " + ec.message());

  for (;;) {
    std::string content;
    std::int64_t first = -1;
    std::int64_t last = -1;
    std::uint64_t last_tag = 0;
    std::uint64_t count = 0;
    std::chrono::steady_clock::time_point first_at;
    while (count < m.options.batch_events) {
      auto wait = m.options.batch_wait;
      if (count == 0) {
        wait = fresh ? std::max(m.options.batch_wait, m.options.first_delivery_wait)
                     : m.options.idle_wait;
      } else {
        // A steady trickle must not keep a batch open until it is full.
        const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - first_at);
        if (age >= m.options.batch_max_age) break;
        wait = std::min(wait, m.options.batch_max_age - age);
      }
      auto d = consumer->session.next(wait);
      if (!d && !fresh && count == 0 && last_tag == 0 && out.batches == 0) {
        // A consumer idle for long may have lost its connection (a broker restart, missed
        // heartbeats while this node waited): one fresh start before it counts as a failure.
        lg.info("stream consumer reconnects", {{"queue", queue}, {"error", d.error().message}});
        m.consumers.erase(queue);
        auto c = m.start_consumer(queue, out.next_offset);
        if (!c) return c.error();
        consumer = &m.consumers.emplace(queue, std::move(*c)).first->second;
        fresh = true;
        continue;
      }
      if (!d) return d.error();
      if (!d->has_value()) break;
      const delivery& msg = **d;
      last_tag = msg.tag;
      // A stream delivers whole chunks; anything before the committed offset is already in.
      if (msg.stream_offset < out.next_offset) continue;
      if (first < 0) {
        first = msg.stream_offset;
        first_at = std::chrono::steady_clock::now();
        if (first > out.next_offset) {
          // Retention removed these before they were loaded: say so loudly, they are lost.
          const auto lost = static_cast<std::uint64_t>(first - out.next_offset);
          lg.error("stream messages expired before they were loaded (--broker-retention)",
                   {{"queue", queue},
                    {"from_offset", static_cast<std::uint64_t>(out.next_offset)},
                    {"messages", lost}});
          m.skipped_messages.inc(lost);
        }
      }
      last = msg.stream_offset;
      content += msg.body;
      content += '\n';
      ++count;
    }
    if (count == 0) {
      if (last_tag != 0) (void)consumer->session.ack(last_tag, true);
      guard.armed = false;
      return out;
    }
    fresh = false;

    loader::segment_ref segment;
    segment.queue = queue;
    segment.name = "stream-" + padded(first) + "-" + padded(last) + ".jsonl";
    segment.path = dir / segment.name;
    segment.bytes = content.size();
    {
      std::ofstream f(segment.path, std::ios::binary | std::ios::trunc);
      f << content;
      if (!f.flush()) return gg::fail(gg::errc::io, "cannot write " + segment.path.string());
    }
    const std::int64_t next = last + 1;
    const std::int64_t expected = out.next_offset;
    auto loaded = m.unit.load(*m.data, segment, [&](pg::connection& conn) -> gg::status {
      // Moves only from the offset this batch started at: should two nodes ever load the
      // queue at once (a lock lost unnoticed), the later commit fails instead of loading a
      // range twice.
      auto r = conn.exec(
          "INSERT INTO pipeline.stream_offsets AS o (queue, next_offset, node) "
          "VALUES ($1, $2, $3) "
          "ON CONFLICT (queue) DO UPDATE SET next_offset = EXCLUDED.next_offset, "
          "node = EXCLUDED.node, updated_at = now() WHERE o.next_offset = $4",
          queue, next, m.options.node_id, expected);
      if (!r) return r.error();
      if (r->affected_rows() != 1) {
        return gg::fail(gg::errc::conflict,
                        "pipeline.stream_offsets moved under this batch of " + queue +
                            ": another node loads it",
                        true);
      }
      return {};
    });
    std::filesystem::remove(segment.path, ec);
    if (!loaded) return loaded.error();
    if (!loaded->loaded) {
      // The ledger has this range already although the offset says otherwise: the stream was
      // deleted and created again (its offsets restart at 0). A person must decide.
      return gg::fail(gg::errc::conflict, "the ledger already holds " + segment.key() +
                                              " while pipeline.stream_offsets is before it; "
                                              "was the stream recreated?");
    }
    out.next_offset = next;
    ++out.batches;
    out.events += count;
    out.rows += loaded->rows;
    out.rejected += loaded->rejected;
    m.loaded_events.inc(count);
    m.committed_batches.inc();
    consumer->position = next;
    // Committed: the broker may forget these deliveries (the committed offset is the truth).
    if (auto st = consumer->session.ack(last_tag, true); !st) {
      // The batch is in; the session is not: the next call starts a consumer after it.
      lg.warn("ack after commit failed", {{"queue", queue}, {"error", st.error().message}});
      return out;
    }
  }
}

}  // namespace gg::broker
