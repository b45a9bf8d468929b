#include <gadgetgrove/broker/shipper.hpp>

#include <gadgetgrove/broker/amqp_session.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/worker_thread.hpp>
#include <gadgetgrove/loader/segment_store.hpp>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stop_token>
#include <thread>

namespace gg::broker {

namespace {

constexpr gg::logger lg{"shipper"};

gg::result<std::string> read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return gg::fail(gg::errc::io, "cannot open segment " + path.string(), true);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return gg::fail(gg::errc::io, "cannot read segment " + path.string(), true);
  return std::move(buf).str();
}

}  // namespace

struct shipper::impl {
  shipper_options options;
  loader::segment_store store;
  metrics::counter& shipped_segments;
  metrics::counter& published_events;
  metrics::gauge& backlog_segments;
  metrics::gauge& backlog_bytes;
  metrics::gauge& connected_gauge;

  mutable std::mutex mutex;
  shipper_stats stats;
  // The last member: destroyed first, so the thread is joined while everything it uses lives.
  worker_thread worker;

  explicit impl(shipper_options o)
      : options(std::move(o)),
        store(options.data_dir, options.queues, eventlog::posix_file_system::shared(),
              options.node_id),
        shipped_segments(registry().get_counter("gadgetgrove_shipper_segments_total",
                                                "Segments whose every event the broker confirmed")),
        published_events(registry().get_counter("gadgetgrove_shipper_events_total",
                                                "Events published and confirmed by the broker")),
        backlog_segments(registry().get_gauge("gadgetgrove_shipper_backlog_segments",
                                              "Sealed segments waiting to be shipped")),
        backlog_bytes(registry().get_gauge("gadgetgrove_shipper_backlog_bytes",
                                           "Bytes of sealed segments waiting to be shipped")),
        connected_gauge(registry().get_gauge("gadgetgrove_shipper_broker_connected",
                                             "1 while the shipper holds a broker connection")) {}

  metrics::registry& registry() const {
    return options.metrics != nullptr ? *options.metrics : metrics::global();
  }

  void set_connected(bool up, std::string error) {
    std::lock_guard lock(mutex);
    stats.connected = up;
    stats.last_error = std::move(error);
    connected_gauge.set(up ? 1 : 0);
  }

  // Sleeps `d` unless a stop is requested first; whether to carry on.
  bool sleep(std::stop_token st, std::chrono::milliseconds d) { return worker.sleep(st, d); }

  gg::result<amqp_session> open_session() {
    auto s = amqp_session::connect(options.url, options.connect_timeout);
    if (!s) return s.error();
    for (const auto& q : options.queues) {
      if (auto st = s->declare_stream(stream_name(q), options.retention); !st) return st.error();
    }
    if (auto st = s->enable_confirms(); !st) return st.error();
    return s;
  }

  // Publishes every line of `segment` and waits for their confirms; the number of events.
  gg::result<std::uint64_t> ship(amqp_session& session, const loader::segment_ref& segment) {
    auto data = read_whole(segment.path);
    if (!data) return data.error();
    const std::string stream = stream_name(segment.queue);
    std::uint64_t last_tag = 0;
    std::uint64_t events = 0;
    std::size_t line_no = 0;
    std::string id;
    std::string_view rest = *data;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      ++line_no;
      if (line.empty()) continue;
      // Stable across republishing: the same line always travels under the same id.
      id = segment.key();
      id += ':';
      id += std::to_string(line_no);
      auto tag = session.publish(stream, id, line);
      if (!tag) return tag.error();
      last_tag = *tag;
      ++events;
    }
    if (last_tag != 0) {
      auto confirmed = session.wait_confirms(last_tag, options.confirm_timeout);
      if (!confirmed) return confirmed.error();
      if (*confirmed < last_tag) {
        return gg::fail(gg::errc::timeout,
                        "broker did not confirm " + segment.key() + " within " +
                            std::to_string(options.confirm_timeout.count()) + " ms",
                        true);
      }
    }
    return events;
  }

  // Lists log/ and updates the backlog figures.
  gg::result<std::vector<loader::segment_ref>> look() {
    auto pending = store.pending();
    if (!pending) return pending.error();
    std::uint64_t bytes = 0;
    for (const auto& s : *pending) bytes += s.bytes;
    backlog_segments.set(static_cast<double>(pending->size()));
    backlog_bytes.set(static_cast<double>(bytes));
    std::lock_guard lock(mutex);
    stats.backlog_segments = pending->size();
    stats.backlog_bytes = bytes;
    return pending;
  }

  // Deletes shipped segments past the archive retention, at most every archive_check.
  void prune_archive(std::chrono::steady_clock::time_point& last) {
    if (options.archive_retention.count() <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last < options.archive_check) return;
    last = now;
    auto removed = store.cleanup(options.archive_retention, gg::now_us());
    if (!removed) {
      lg.warn("cannot clean the archive", {{"error", removed.error().message}});
      return;
    }
    std::uint64_t files = 0;
    for (const auto& q : *removed) files += q.files;
    if (files > 0)
      lg.info("deleted shipped segments past the archive retention", {{"files", files}});
  }

  void run(std::stop_token st) {
    auto jitter = gg::prng::from_entropy();
    auto last_prune = std::chrono::steady_clock::time_point{};
    unsigned failures = 0;
    std::optional<amqp_session> session;
    const auto back_off = [&](const gg::error& e) {
      session.reset();
      ++failures;
      set_connected(false, e.message);
      const auto wait = sched::retry_delay(options.reconnect, failures, jitter.unit());
      lg.warn("broker unavailable; segments wait in log/",
              {{"error", e.message}, {"retry_ms", static_cast<std::int64_t>(wait.count())}});
      return sleep(st, wait);
    };
    while (!st.stop_requested()) {
      prune_archive(last_prune);
      auto pending = look();
      if (!pending) {
        lg.error("cannot list segments", {{"error", pending.error().message}});
        if (!sleep(st, options.poll)) break;
        continue;
      }
      if (!session) {
        auto s = open_session();
        if (!s) {
          if (!back_off(s.error())) break;
          continue;
        }
        session.emplace(std::move(*s));
        failures = 0;
        set_connected(true, {});
        lg.info("connected to broker", {{"broker", options.url.redacted()}});
      }
      if (pending->empty()) {
        if (!sleep(st, options.poll)) break;
        continue;
      }
      // Oldest first, one at a time: a stream's order follows the segments' order.
      for (const auto& segment : *pending) {
        if (st.stop_requested()) break;
        auto events = ship(*session, segment);
        if (!events && events.error().code == gg::errc::io) {
          lg.error("cannot read segment",
                   {{"segment", segment.key()}, {"error", events.error().message}});
          break;
        }
        if (!events) {
          (void)back_off(events.error());
          break;
        }
        if (auto a = store.archive(segment, gg::now_us()); !a) {
          lg.error("cannot archive a shipped segment",
                   {{"segment", segment.key()}, {"error", a.error().message}});
          break;
        }
        shipped_segments.inc();
        published_events.inc(*events);
        std::lock_guard lock(mutex);
        stats.segments_shipped += 1;
        stats.events_published += *events;
      }
    }
    session.reset();
    set_connected(false, {});
  }
};

shipper::shipper(shipper_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

shipper::~shipper() = default;

gg::status shipper::start() {
  if (auto st = impl_->store.prepare(); !st) return st;
  impl_->worker.start([this](std::stop_token st) { impl_->run(st); });
  return {};
}

void shipper::request_stop() { impl_->worker.request_stop(); }

gg::status shipper::drain(deadline until) {
  return impl_->worker.drain(until, "shipper still publishing a segment");
}

gg::health shipper::health() const {
  const auto s = stats();
  if (!impl_->worker.started()) return {health_state::starting, "not started"};
  const std::string backlog = std::to_string(s.backlog_segments) + " segments (" +
                              std::to_string(s.backlog_bytes) + " bytes) wait in log/";
  if (s.connected) {
    return {health_state::up, "shipping to " + impl_->options.url.redacted() + "; " + backlog};
  }
  if (impl_->worker.finished()) return {health_state::stopped, "stopped"};
  std::string detail = "broker " + impl_->options.url.redacted() + " unreachable";
  if (!s.last_error.empty()) detail += " (" + s.last_error + ")";
  return {health_state::degraded, detail + "; " + backlog};
}

shipper_stats shipper::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace gg::broker
