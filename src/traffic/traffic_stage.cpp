#include <gadgetgrove/traffic/traffic_stage.hpp>

#include "http_fetch.hpp"
#include "lane.hpp"
#include "target.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/random.hpp>
#include <gadgetgrove/http/router.hpp>
#include "session_model.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace gg::traffic {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using detail::lane;
using detail::session_slot;
using detail::steady;

const gg::logger log{"traffic"};

std::uint64_t draw_seed() {
  std::uint64_t seed = 0;
  secure_random(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&seed), sizeof seed));
  return seed | 1;
}

steady::duration seconds_f(double s) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

struct traffic_stage::state final : detail::lane_owner, std::enable_shared_from_this<state> {
  using done_fn = std::function<void(gg::result<std::string>)>;

  state(asio::io_context& io, traffic_config cfg)
      : ioc(io),
        config(std::move(cfg)),
        strand(asio::make_strand(io)),
        timer(strand),
        watchdog(strand),
        seed(config.seed != 0 ? config.seed : draw_seed()),
        model(config.profile, seed),
        batch_rng(seed ^ 0xba7c4ULL) {}

  asio::io_context& ioc;
  traffic_config config;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;     // on `strand`: the next session(s) due
  asio::steady_timer watchdog;  // on `strand`: request timeouts
  std::uint64_t seed;
  detail::driver_settings settings;         // background sessions
  detail::driver_settings record_settings;  // GET /simulate: events kept for the answer
  asio::ip::tcp::endpoint target;
  steady::time_point t0{};
  std::uint64_t arrivals = 0;  // steady mode: sessions due so far
  std::uint64_t firings = 0;   // batch mode

  mutable std::mutex mu;  // guards everything below
  std::shared_ptr<const product_list> products;
  std::string catalog_error;
  bool fetching = false;
  std::vector<std::function<void(bool)>> product_waiters;
  session_model model;
  prng batch_rng;
  std::unordered_map<lane*, std::shared_ptr<lane>> lanes;
  std::unordered_map<std::uint64_t, done_fn> simulate_waiters;
  std::size_t active = 0;
  std::uint64_t next_tag = 1;
  bool started = false;
  bool stopping = false;
  bool drained = false;
  std::condition_variable idle_cv;

  run_counters stats;
  std::atomic<std::uint64_t> skipped{0};

  // lane_owner
  std::optional<steady::time_point> schedule_step(lane&, session_slot& s) override {
    if (is_stopping() || s.driver.finished()) return std::nullopt;
    const bool on_demand = (s.tag & 1) != 0;
    const double scale = on_demand ? 0.0 : config.think_scale;
    const auto offset = s.driver.plan().steps[s.driver.step()].offset_ms;
    return s.origin + seconds_f(static_cast<double>(offset) / 1000.0 * scale);
  }
  bool open_at(steady::time_point) override { return !is_stopping(); }
  sys_us client_time(const session_slot&, steady::time_point at) override {
    return now_us() + std::chrono::duration_cast<std::chrono::microseconds>(at - steady::now());
  }
  void session_done(lane& l, std::unique_ptr<session_slot> s, bool completed) override {
    (completed ? stats.sessions_completed : stats.sessions_cut)
        .fetch_add(1, std::memory_order_relaxed);
    done_fn waiter;
    std::shared_ptr<lane> keep;
    {
      std::lock_guard lock(mu);
      if (auto it = lanes.find(&l); it != lanes.end()) {
        keep = std::move(it->second);
        lanes.erase(it);
      }
      if (auto it = simulate_waiters.find(s->tag); it != simulate_waiters.end()) {
        waiter = std::move(it->second);
        simulate_waiters.erase(it);
      }
      --active;
    }
    idle_cv.notify_all();
    if (waiter) {
      if (!completed && is_stopping()) {
        waiter(gg::fail(errc::unavailable, "shutting down", true));
      } else {
        std::string body = R"({"status":"simulated","session_id":)";
        append_json_string(body, s->driver.session_id());
        body += R"(,"completed":)";
        body += completed ? "true" : "false";
        body += R"(,"events":[)";
        body += s->driver.recorded_events();
        body += "]}";
        waiter(std::move(body));
      }
    }
    // The lane closes its connection when the last reference goes, after this call returns
    // (its handler holds one).
    if (keep) asio::post(keep->executor(), [keep] { keep->stop(); });
  }
  void lane_idle(lane&) override {}
  run_counters& counters() override { return stats; }
  detail::ack_sink* acks() override { return nullptr; }

  bool is_stopping() const {
    std::lock_guard lock(mu);
    return stopping;
  }

  /// Calls `then(true)` once the catalog is known, `then(false)` when fetching it failed.
  void with_products(std::function<void(bool)> then) {
    bool ready = false;
    bool fetch_now = false;
    {
      std::lock_guard lock(mu);
      if (products) {
        ready = true;
      } else {
        product_waiters.push_back(std::move(then));
        fetch_now = !fetching;
        fetching = true;
      }
    }
    if (ready) {
      then(true);
      return;
    }
    if (!fetch_now) return;
    auto self = shared_from_this();
    detail::async_fetch(strand, target, settings.host, "/api/products", 5s,
                        [self](gg::result<detail::fetch_reply> r) {
                          std::shared_ptr<const product_list> list;
                          std::string why;
                          if (!r) {
                            why = r.error().message;
                          } else if (r->status != 200) {
                            why = "GET /api/products answered " + std::to_string(r->status);
                          } else if (auto parsed = product_list::parse(r->body)) {
                            list = std::make_shared<const product_list>(std::move(*parsed));
                          } else {
                            why = parsed.error().message;
                          }
                          std::vector<std::function<void(bool)>> waiters;
                          {
                            std::lock_guard lock(self->mu);
                            self->fetching = false;
                            if (list) self->products = list;
                            self->catalog_error = why;
                            waiters.swap(self->product_waiters);
                          }
                          if (!list) log.warn("cannot load the catalog", {{"error", why}});
                          for (auto& w : waiters) w(list != nullptr);
                        });
  }

  /// Starts one session due at `origin`; on-demand sessions report to `done`.
  gg::status start_session(bool on_demand, steady::time_point origin, done_fn done) {
    std::shared_ptr<lane> l;
    std::unique_ptr<session_slot> slot;
    {
      std::lock_guard lock(mu);
      if (!started || stopping) return gg::fail(errc::unavailable, "traffic is not running", true);
      if (!products) return gg::fail(errc::unavailable, "the catalog is not loaded", true);
      if (active >= config.max_sessions) {
        skipped.fetch_add(1, std::memory_order_relaxed);
        return gg::fail(errc::unavailable, "too many sessions in flight", true);
      }
      const sys_us start =
          now_us() + std::chrono::duration_cast<std::chrono::microseconds>(origin - steady::now());
      session_plan plan = model.next(*products, start);
      slot = std::make_unique<session_slot>(on_demand ? record_settings : settings, products,
                                            std::move(plan));
      // Odd tags mark on-demand sessions (no think time).
      slot->tag = (next_tag++ << 1) | (on_demand ? 1 : 0);
      slot->origin = origin;
      l = std::make_shared<lane>(asio::make_strand(ioc), target, *this, 0, shared_from_this());
      lanes.emplace(l.get(), l);
      if (done) simulate_waiters.emplace(slot->tag, std::move(done));
      ++active;
    }
    stats.sessions_started.fetch_add(1, std::memory_order_relaxed);
    asio::post(l->executor(), [l, s = std::move(slot)]() mutable { l->add(std::move(s)); });
    return {};
  }

  void arm() {
    if (is_stopping()) return;
    steady::time_point at;
    if (config.sessions_per_second > 0) {
      at = t0 + seconds_f(static_cast<double>(arrivals) / config.sessions_per_second);
    } else {
      // The first batch soon after start, so a fresh install shows traffic at once.
      at = t0 + 2s + config.batch_interval * static_cast<std::int64_t>(firings);
    }
    timer.expires_at(at);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->fire();
    });
  }

  /// Every half second, aborts requests unanswered for longer than the request timeout.
  void check_timeouts() {
    if (is_stopping()) return;
    std::vector<std::shared_ptr<lane>> current;
    {
      std::lock_guard lock(mu);
      current.reserve(lanes.size());
      for (auto& [ptr, l] : lanes) current.push_back(l);
    }
    const auto timeout = std::chrono::duration_cast<steady::duration>(config.request_timeout);
    for (auto& l : current) {
      asio::post(l->executor(), [l, timeout] { l->check_timeout(steady::now(), timeout); });
    }
    watchdog.expires_after(500ms);
    watchdog.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->check_timeouts();
    });
  }

  void fire() {
    if (is_stopping()) return;
    const auto now = steady::now();
    bool have_products;
    {
      std::lock_guard lock(mu);
      have_products = products != nullptr;
    }
    if (!have_products) with_products([](bool) {});
    if (config.sessions_per_second > 0) {
      while (true) {
        const auto due = t0 + seconds_f(static_cast<double>(arrivals) / config.sessions_per_second);
        if (due > now) break;
        ++arrivals;
        if (!have_products) {
          skipped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        (void)start_session(false, due, nullptr);
      }
    } else {
      ++firings;
      std::int64_t n = 0;
      std::vector<std::int64_t> stagger;
      {
        std::lock_guard lock(mu);
        n = batch_rng.between(config.batch_min, std::max(config.batch_min, config.batch_max));
        for (std::int64_t i = 0; i < n; ++i) stagger.push_back(batch_rng.between(0, 3000));
      }
      for (std::int64_t i = 0; i < n; ++i) {
        if (!have_products) {
          skipped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        (void)start_session(false, now + std::chrono::milliseconds(stagger[i] * i), nullptr);
      }
    }
    arm();
  }
};

traffic_stage::traffic_stage(asio::io_context& ioc, traffic_config config,
                             std::vector<std::string> depends_on)
    : state_(std::make_shared<state>(ioc, std::move(config))), depends_on_(std::move(depends_on)) {
  std::weak_ptr<state> weak = state_;
  metrics::registry& reg =
      state_->config.metrics != nullptr ? *state_->config.metrics : metrics::global();
  reg.add_collector([weak](metrics::exposition& e) {
    auto s = weak.lock();
    if (!s) return;
    const run_counters& c = s->stats;
    std::size_t active = 0;
    {
      std::lock_guard lock(s->mu);
      active = s->active;
    }
    e.family("gadgetgrove_traffic_sessions_total", "Synthetic sessions by outcome.", "counter");
    e.sample("gadgetgrove_traffic_sessions_total", {{"outcome", "completed"}},
             static_cast<double>(c.sessions_completed.load()));
    e.sample("gadgetgrove_traffic_sessions_total", {{"outcome", "cut"}},
             static_cast<double>(c.sessions_cut.load()));
    e.sample("gadgetgrove_traffic_sessions_total", {{"outcome", "skipped"}},
             static_cast<double>(s->skipped.load()));
    e.family("gadgetgrove_traffic_sessions_active", "Synthetic sessions playing now.", "gauge");
    e.sample("gadgetgrove_traffic_sessions_active", {}, static_cast<double>(active));
    e.family("gadgetgrove_traffic_requests_total", "Requests synthetic sessions sent.", "counter");
    e.sample("gadgetgrove_traffic_requests_total", {}, static_cast<double>(c.requests_sent.load()));
    e.family("gadgetgrove_traffic_request_errors_total", "Failed synthetic requests by kind.",
             "counter");
    for (std::size_t i = 0; i < error_kind_count; ++i) {
      e.sample("gadgetgrove_traffic_request_errors_total",
               {{"kind", std::string(to_string(static_cast<error_kind>(i)))}},
               static_cast<double>(c.errors[i].load()));
    }
    e.family("gadgetgrove_traffic_events_sent_total", "Tracker events synthetic sessions sent.",
             "counter");
    e.sample("gadgetgrove_traffic_events_sent_total", {},
             static_cast<double>(c.events_sent.load()));
    e.family("gadgetgrove_traffic_events_acknowledged_total",
             "Synthetic events the server acknowledged.", "counter");
    e.sample("gadgetgrove_traffic_events_acknowledged_total", {},
             static_cast<double>(c.events_acked.load()));
  });
}

traffic_stage::~traffic_stage() {
  request_stop();
  std::vector<std::shared_ptr<lane>> left;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [ptr, l] : state_->lanes) left.push_back(l);
    // Lanes keep the state alive, not the other way round, so nothing is left in a cycle
    // when the io_context goes away before these run.
    state_->lanes.clear();
  }
  for (auto& l : left) asio::post(l->executor(), [l] { l->stop(); });
}

status traffic_stage::start() {
  state& s = *state_;
  if (!s.config.public_address) return gg::fail(errc::config, "traffic: no public address");
  const std::string address = s.config.public_address();
  auto parsed = detail::parse_target_url(detail::url_for_listener(address));
  if (!parsed) return gg::fail(errc::config, "traffic: " + parsed.error().message);
  auto ep = detail::resolve_target(*parsed);
  if (!ep) return gg::fail(errc::config, "traffic: " + ep.error().message);
  s.target = *ep;
  s.settings.host = parsed->host_header;
  s.settings.origin = parsed->origin;
  s.record_settings = s.settings;
  s.record_settings.record_events = true;
  {
    std::lock_guard lock(s.mu);
    s.started = true;
  }
  s.with_products([](bool) {});
  asio::post(s.strand, [self = state_] { self->check_timeouts(); });
  if (s.config.enabled) {
    asio::post(s.strand, [self = state_] {
      self->t0 = steady::now();
      self->arm();
    });
  }
  log.info("traffic started", {{"target", parsed->origin},
                               {"mode", !s.config.enabled                  ? "off"
                                        : s.config.sessions_per_second > 0 ? "steady"
                                                                           : "batches"},
                               {"seed", s.seed}});
  return {};
}

void traffic_stage::request_stop() {
  std::vector<std::shared_ptr<lane>> lanes;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
    for (auto& [ptr, l] : state_->lanes) lanes.push_back(l);
  }
  asio::post(state_->strand, [self = state_] {
    self->timer.cancel();
    self->watchdog.cancel();
  });
  for (auto& l : lanes) asio::post(l->executor(), [l] { l->wake(); });
}

status traffic_stage::drain(deadline until) {
  std::unique_lock lock(state_->mu);
  if (!state_->idle_cv.wait_until(lock, until, [&] { return state_->active == 0; })) {
    const std::size_t left = state_->active;
    std::vector<std::shared_ptr<lane>> lanes;
    for (auto& [ptr, l] : state_->lanes) lanes.push_back(l);
    lock.unlock();
    for (auto& l : lanes) asio::post(l->executor(), [l] { l->stop(); });
    lock.lock();
    state_->idle_cv.wait_for(lock, 1s, [&] { return state_->active == 0; });
    state_->drained = true;
    return gg::fail(errc::timeout, std::to_string(left) + " synthetic sessions were cut");
  }
  state_->drained = true;
  return {};
}

traffic_figures traffic_stage::figures() const {
  const run_counters& c = state_->stats;
  traffic_figures f;
  f.sessions_started = c.sessions_started.load(std::memory_order_relaxed);
  f.sessions_completed = c.sessions_completed.load(std::memory_order_relaxed);
  f.sessions_cut = c.sessions_cut.load(std::memory_order_relaxed);
  f.sessions_skipped = state_->skipped.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(state_->mu);
    f.sessions_active = state_->active;
  }
  f.requests_sent = c.requests_sent.load(std::memory_order_relaxed);
  f.requests_failed = c.requests_failed.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < error_kind_count; ++i) {
    f.errors[i] = c.errors[i].load(std::memory_order_relaxed);
  }
  f.events_sent = c.events_sent.load(std::memory_order_relaxed);
  f.events_acknowledged = c.events_acked.load(std::memory_order_relaxed);
  f.events_rejected = c.events_rejected.load(std::memory_order_relaxed);
  return f;
}

gg::health traffic_stage::health() const {
  std::lock_guard lock(state_->mu);
  if (state_->drained) return {health_state::stopped, ""};
  if (!state_->started) return {health_state::starting, ""};
  if (state_->stopping) return {health_state::stopped, "stopping"};
  // Traffic is a demo aid: without a catalog it only idles, so it never holds readiness back.
  return {health_state::up, ""};
}

void traffic_stage::simulate_once(std::function<void(gg::result<std::string>)> done) {
  auto self = state_;
  self->with_products([self, done = std::move(done)](bool ok) mutable {
    if (!ok) {
      done(gg::fail(errc::unavailable, "the catalog could not be loaded", true));
      return;
    }
    auto fn = std::make_shared<decltype(done)>(std::move(done));
    auto st = self->start_session(true, steady::now(),
                                  [fn](gg::result<std::string> r) { (*fn)(std::move(r)); });
    if (!st) (*fn)(st.error());
  });
}

void add_simulate_route(http::router& r, std::shared_ptr<traffic_stage> stage) {
  r.add(http::verb::post, "/simulate", [stage](http::request&&, http::responder res) {
    auto shared = std::make_shared<http::responder>(std::move(res));
    stage->simulate_once([shared](gg::result<std::string> body) {
      if (body) {
        std::move(*shared).send(http::response::json(200, std::move(*body)));
        return;
      }
      auto answer = http::error_json(503, body.error().message);
      answer.set_header("Retry-After", "1");
      std::move(*shared).send(std::move(answer));
    });
  });
}

}  // namespace gg::traffic
