#include <gadgetgrove/loader/load_notices.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/worker_thread.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <stop_token>

namespace gg::loader {

namespace {
constexpr gg::logger lg{"load-notices"};
}

std::string format_load_notice(std::string_view queue, std::uint64_t rows) {
  std::string out(queue);
  out += ' ';
  out += std::to_string(rows);
  return out;
}

std::optional<load_notice> parse_load_notice(std::string_view payload) {
  const auto space = payload.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view queue = payload.substr(0, space);
  const std::string_view count = payload.substr(space + 1);
  if (!eventlog::parse_queue_id(queue) || count.empty()) return std::nullopt;
  std::uint64_t rows = 0;
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), rows);
  if (ec != std::errc{} || end != count.data() + count.size()) return std::nullopt;
  return load_notice{std::string(queue), rows};
}

gg::status send_load_notice(pg::connection& conn, std::string_view queue, std::uint64_t rows) {
  if (rows == 0) return {};
  auto r =
      conn.exec("SELECT pg_notify($1, $2)", load_notice_channel, format_load_notice(queue, rows));
  if (!r) return r.error();
  return {};
}

struct load_notice_stage::impl {
  load_notice_options options;
  metrics::registry& registry;
  metrics::counter& reconnects;
  std::string conninfo;
  mutable std::mutex mutex;
  std::string last_error;
  std::optional<pg::connection> conn;  // owned by the thread once it runs
  // The last member: destroyed first, so the thread is joined while everything it uses lives.
  worker_thread worker;

  explicit impl(load_notice_options o)
      : options(std::move(o)),
        registry(options.metrics != nullptr ? *options.metrics : metrics::global()),
        reconnects(registry.get_counter(
            "gadgetgrove_load_notices_reconnects_total",
            "Times the load-notice listener connected again after losing its connection")) {}

  metrics::counter& received(const std::string& queue) {
    return registry.get_counter("gadgetgrove_load_notices_received_total",
                                "Load notices received (one per committed load that added rows)",
                                {{"queue", queue}});
  }

  gg::status subscribe() {
    auto c = pg::connection::open(conninfo);
    if (!c) return c.error();
    if (auto st = c->listen(load_notice_channel); !st) return st;
    conn = std::move(*c);
    return {};
  }

  void set_error(std::string e) {
    std::lock_guard lock(mutex);
    last_error = std::move(e);
  }

  void deliver(const std::set<std::string>& queues) {
    if (queues.empty() || !options.on_loaded) return;
    options.on_loaded(queues);
  }

  // Gathers the notices of one burst: the first wait is long (nothing to do meanwhile), the
  // following ones `gather` each, until a quiet one.
  gg::status listen_until_lost(std::stop_token st) {
    constexpr auto idle_wait = std::chrono::milliseconds(200);
    std::set<std::string> pending;
    while (!st.stop_requested()) {
      auto got = conn->wait_notifications(pending.empty() ? idle_wait : options.gather);
      if (!got) {
        deliver(pending);
        return got.error();
      }
      if (got->empty()) {
        deliver(pending);
        pending.clear();
        continue;
      }
      for (const auto& n : *got) {
        auto notice = parse_load_notice(n.payload);
        if (!notice) {
          lg.warn("ignored a load notice it cannot read", {{"payload", n.payload}});
          continue;
        }
        received(notice->queue).inc();
        pending.insert(notice->queue);
      }
    }
    return {};
  }

  void run(std::stop_token st) {
    auto wait = options.retry_min;
    while (!st.stop_requested()) {
      auto lost = listen_until_lost(st);
      if (lost) break;  // stop requested
      conn.reset();
      set_error(lost.error().message);
      lg.warn("lost the load-notice connection", {{"error", lost.error().message}});
      // Reconnect; once listening again, every queue may have loaded unheard.
      while (!st.stop_requested()) {
        if (!worker.sleep(st, wait)) return;
        if (auto s = subscribe(); !s) {
          set_error(s.error().message);
          wait = std::min(wait * 2, options.retry_max);
          continue;
        }
        reconnects.inc();
        set_error({});
        wait = options.retry_min;
        lg.info("listening for loads again");
        std::set<std::string> all;
        for (const auto q : eventlog::all_queues) all.emplace(eventlog::to_string(q));
        deliver(all);
        break;
      }
    }
  }
};

load_notice_stage::load_notice_stage(load_notice_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

load_notice_stage::~load_notice_stage() = default;

gg::status load_notice_stage::start() {
  impl_->conninfo = impl_->options.conninfo ? impl_->options.conninfo() : std::string{};
  if (auto st = impl_->subscribe(); !st) return st;
  impl_->worker.start([this](std::stop_token st) { impl_->run(st); });
  return {};
}

void load_notice_stage::request_stop() { impl_->worker.request_stop(); }

gg::status load_notice_stage::drain(deadline until) {
  return impl_->worker.drain(until, "load-notice listener still handing over a notice");
}

gg::health load_notice_stage::health() const {
  if (!impl_->worker.started()) return {health_state::starting, "not started"};
  if (impl_->worker.finished()) return {health_state::stopped, "stopped"};
  std::lock_guard lock(impl_->mutex);
  if (!impl_->last_error.empty()) {
    return {health_state::degraded,
            "not listening for loads (reconnecting); last error: " + impl_->last_error};
  }
  return {health_state::up, "listening on " + std::string(load_notice_channel)};
}

}  // namespace gg::loader
