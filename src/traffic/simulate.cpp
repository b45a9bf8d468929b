#include <gadgetgrove/traffic/simulate.hpp>

#include "builtin_products.hpp"
#include "http_fetch.hpp"
#include "load_generator.hpp"
#include "target.hpp"

#include <gadgetgrove/core/random.hpp>

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace gg::traffic {
namespace {

using namespace std::chrono_literals;
using detail::steady;

/// The ack log shared by every generator thread; each thread buffers its lines.
class ack_file {
 public:
  explicit ack_file(std::FILE* f) : file_(f) {}
  ~ack_file() {
    if (file_ != nullptr) std::fclose(file_);
  }
  ack_file(const ack_file&) = delete;
  ack_file& operator=(const ack_file&) = delete;

  void write(const std::string& text) {
    std::lock_guard lock(mutex_);
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) failed_ = true;
  }
  bool close() {
    std::lock_guard lock(mutex_);
    const bool ok = std::fclose(file_) == 0 && !failed_;
    file_ = nullptr;
    return ok;
  }

 private:
  std::mutex mutex_;
  std::FILE* file_;
  bool failed_ = false;
};

class ack_buffer final : public detail::ack_sink {
 public:
  explicit ack_buffer(ack_file& f) : file_(f) { text_.reserve(flush_at + 64); }
  ~ack_buffer() override { flush(); }
  ack_buffer(const ack_buffer&) = delete;
  ack_buffer& operator=(const ack_buffer&) = delete;

  void acknowledged(std::string_view id) override {
    text_.append(id);
    text_.push_back('\n');
    if (text_.size() >= flush_at) flush();
  }
  void flush() {
    if (text_.empty()) return;
    file_.write(text_);
    text_.clear();
  }

 private:
  static constexpr std::size_t flush_at = 64 * 1024;
  ack_file& file_;
  std::string text_;
};

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  secure_random(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&seed), sizeof seed));
  return seed >> 1;  // fits a JSON number reader's int64 and a CLI's parser
}

}  // namespace

gg::result<load_report> run_load(const simulate_options& options, const run_control& control) {
  auto notice = [&](const std::string& line) {
    if (control.on_notice) control.on_notice(line);
  };
  if (options.rate < 0 || options.session_rate < 0) {
    return gg::fail(errc::config, "rates must not be negative");
  }
  if (options.rate > 0 && options.session_rate > 0) {
    return gg::fail(errc::config, "give either --rate or --session-rate, not both");
  }
  if (options.concurrency == 0) return gg::fail(errc::config, "concurrency must be at least 1");
  if (options.threads == 0 || options.threads > 256) {
    return gg::fail(errc::config, "threads must be 1..256");
  }
  if (options.think_scale < 0) return gg::fail(errc::config, "think-scale must not be negative");
  if (options.max_error_rate < 0 || options.max_error_rate > 1) {
    return gg::fail(errc::config, "max-error-rate must be between 0 and 1");
  }
  if (options.timeout <= 0ms) return gg::fail(errc::config, "timeout must be positive");

  std::string url;
  if (options.url) {
    url = *options.url;
  } else if (!options.data_dir.empty()) {
    if (auto from_serve = detail::serve_json_url(options.data_dir)) {
      url = *from_serve;
      notice("target " + url + " (from " + options.data_dir + "/serve.json)");
    }
  }
  if (url.empty()) url = "http://127.0.0.1:8000";
  auto address = detail::parse_target_url(url);
  if (!address) return address.error();
  auto endpoint = detail::resolve_target(*address);
  if (!endpoint) return endpoint.error();

  const bool backfill = options.backfill_days > 0;
  const bool session_pacing = options.session_rate > 0;
  const double rate = session_pacing ? options.session_rate
                                     : (options.rate > 0 ? options.rate : (backfill ? 5000 : 200));
  const std::chrono::milliseconds duration =
      options.duration ? *options.duration : (backfill ? 0ms : 10'000ms);
  if (duration < 0ms) return gg::fail(errc::config, "duration must not be negative");
  if (duration == 0ms && !backfill) {
    return gg::fail(errc::config, "a duration of 0 needs --backfill-days (it runs until played)");
  }
  const std::uint64_t seed = options.seed ? *options.seed : random_seed();

  // The catalog, as the shop lists it; a target without one gets the stand-in catalog.
  std::shared_ptr<const product_list> products;
  auto answer = detail::fetch(*endpoint, address->host_header, "/api/products",
                              std::min<std::chrono::milliseconds>(options.timeout, 5000ms));
  if (answer && answer->status == 200) {
    if (auto parsed = product_list::parse(answer->body)) {
      products = std::make_shared<const product_list>(std::move(*parsed));
    } else {
      notice("GET /api/products: " + parsed.error().message + "; using the built-in catalog");
    }
  } else {
    notice(answer ? fmt::format("GET /api/products answered {}; using the built-in catalog",
                                answer->status)
                  : "GET /api/products failed (" + answer.error().message +
                        "); using the built-in catalog");
  }
  if (!products) products = std::make_shared<const product_list>(detail::builtin_products());

  std::unique_ptr<ack_file> acks;
  if (!options.ack_log_path.empty()) {
    std::FILE* f = std::fopen(options.ack_log_path.c_str(), "w");
    if (f == nullptr) return from_errno("open " + options.ack_log_path, errno);
    acks = std::make_unique<ack_file>(f);
  }

  std::shared_ptr<const backfill_schedule> schedule;
  if (backfill) {
    const std::uint64_t sessions =
        static_cast<std::uint64_t>(options.backfill_days) * options.backfill_sessions_per_day;
    schedule = std::make_shared<const backfill_schedule>(volume_curve{}, options.backfill_days,
                                                         sessions, now_us() - 1h, seed);
  }

  detail::driver_settings settings;
  settings.host = address->host_header;
  settings.origin = address->origin;
  settings.page_loads = options.page_loads;

  const unsigned threads = std::min(options.threads, options.concurrency);
  run_counters counters;
  std::vector<std::unique_ptr<ack_buffer>> buffers;
  std::vector<std::unique_ptr<detail::load_generator>> generators;
  for (unsigned t = 0; t < threads; ++t) {
    detail::generator_config g;
    g.target = *endpoint;
    g.settings = settings;
    g.pace = session_pacing ? detail::pacing::sessions : detail::pacing::events;
    g.rate = rate / threads;
    g.connections = options.concurrency / threads + (t < options.concurrency % threads ? 1 : 0);
    g.duration = duration;
    g.think_scale = options.think_scale;
    g.profile = options.profile;
    g.seed = t == 0 ? seed : seed ^ (0x9e3779b97f4a7c15ULL * t);
    g.products = products;
    g.backfill = schedule;
    g.backfill_first = t;
    g.backfill_stride = threads;
    g.timeout = options.timeout;
    g.grace = options.timeout;
    detail::ack_sink* sink = nullptr;
    if (acks) {
      buffers.push_back(std::make_unique<ack_buffer>(*acks));
      sink = buffers.back().get();
    }
    generators.push_back(std::make_unique<detail::load_generator>(std::move(g), counters, sink));
  }

  auto cpu_now = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  const double cpu_start = cpu_now();
  const auto t0 = steady::now() + 20ms;
  const sys_us wall0 = now_us() + 20ms;
  std::atomic<unsigned> running{threads};
  std::mutex done_mutex;
  std::condition_variable done_cv;
  std::vector<std::thread> workers;
  std::atomic<std::int64_t> end_ns{0};
  for (auto& g : generators) {
    workers.emplace_back([&, gen = g.get()] {
      gen->run(t0, wall0);
      const auto now = steady::now().time_since_epoch().count();
      std::int64_t seen = end_ns.load();
      while (now > seen && !end_ns.compare_exchange_weak(seen, now)) {
      }
      if (running.fetch_sub(1) == 1) {
        std::lock_guard lock(done_mutex);
        done_cv.notify_all();
      }
    });
  }

  {
    std::stop_callback on_stop(control.stop, [&] {
      for (auto& g : generators) g->request_stop();
    });
    auto next_tick = t0 + 1s;
    std::unique_lock lock(done_mutex);
    while (running.load() > 0) {
      done_cv.wait_until(lock, next_tick, [&] { return running.load() == 0; });
      if (running.load() == 0) break;
      if (steady::now() >= next_tick) {
        next_tick += 1s;
        if (control.on_tick) {
          const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
          lock.unlock();
          control.on_tick(elapsed, counters);
          lock.lock();
        }
      }
    }
  }
  for (auto& w : workers) w.join();
  const double cpu_used = cpu_now() - cpu_start;
  generators.clear();
  buffers.clear();

  load_report r;
  r.target = address->origin;
  r.pacing = session_pacing ? "sessions" : "events";
  r.target_rate = rate;
  r.concurrency = options.concurrency;
  r.threads = threads;
  r.duration_s = std::chrono::duration<double>(duration).count();
  r.elapsed_s = std::max(
      0.0, std::chrono::duration<double>(steady::time_point(steady::duration(end_ns.load())) - t0)
               .count());
  r.seed = seed;
  r.backfill_days = options.backfill_days;
  r.sessions_started = counters.sessions_started.load();
  r.sessions_completed = counters.sessions_completed.load();
  r.sessions_cut = counters.sessions_cut.load();
  r.requests_sent = counters.requests_sent.load();
  r.requests_ok = counters.requests_ok.load();
  r.requests_failed = counters.requests_failed.load();
  r.events_sent = counters.events_sent.load();
  r.events_acked = counters.events_acked.load();
  r.events_rejected = counters.events_rejected.load();
  for (std::size_t i = 0; i < error_kind_count; ++i) r.errors[i] = counters.errors[i].load();
  // Steps only start inside the scheduling window, so a duration-bound run's rate is measured
  // over that window; a run stopped early or bounded by its backfill uses the time it took.
  const bool stopped_early = control.stop.stop_requested();
  const double window = duration > 0ms && !stopped_early
                            ? std::min(r.duration_s, std::max(r.elapsed_s, 1e-9))
                            : std::max(r.elapsed_s, 1e-9);
  r.achieved_events_per_s = static_cast<double>(r.events_sent) / window;
  r.achieved_sessions_per_s = static_cast<double>(r.sessions_started) / window;
  r.achieved_ratio = (session_pacing ? r.achieved_sessions_per_s : r.achieved_events_per_s) / rate;
  if (backfill && duration == 0ms) {
    // Bounded by the history to send rather than by time: keeping up means steps started on
    // time.
    r.kept_up = counters.max_lag_us.load() < 1'000'000;
  } else {
    r.kept_up = r.achieved_ratio >= 0.95;
  }
  r.cpu_s = cpu_used;
  r.events_per_cpu_s = cpu_used > 0 ? static_cast<double>(r.events_sent) / cpu_used : 0.0;
  r.max_lag_ms = static_cast<double>(counters.max_lag_us.load()) / 1000.0;
  const auto& h = counters.latency;
  r.latency_p50_ms = static_cast<double>(h.percentile(50)) / 1000.0;
  r.latency_p90_ms = static_cast<double>(h.percentile(90)) / 1000.0;
  r.latency_p99_ms = static_cast<double>(h.percentile(99)) / 1000.0;
  r.latency_p999_ms = static_cast<double>(h.percentile(99.9)) / 1000.0;
  r.latency_max_ms = static_cast<double>(h.max()) / 1000.0;
  r.latency_mean_ms = h.mean() / 1000.0;
  const std::uint64_t answered = r.requests_ok + r.requests_failed;
  r.error_rate =
      answered == 0 ? 0.0 : static_cast<double>(r.requests_failed) / static_cast<double>(answered);
  r.max_error_rate = options.max_error_rate;
  r.error_rate_exceeded = r.error_rate > options.max_error_rate;
  if (acks) {
    if (!acks->close()) return from_errno("write " + options.ack_log_path, errno);
    r.ack_log = options.ack_log_path;
  }
  return r;
}

int run_simulate(const simulate_options& options) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const bool show_progress = options.progress == progress_mode::always ||
                             (options.progress == progress_mode::automatic && tty);

  // SIGINT/SIGTERM end the run early: block them here (the generator threads inherit the
  // mask) and wait for them on a thread of our own.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  std::stop_source stop;
  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    timespec tick{0, 100'000'000};
    while (!finished.load()) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        std::fputs("simulate: stopping early\n", stderr);
        stop.request_stop();
      }
    }
  });

  run_control control;
  control.stop = stop.get_token();
  control.on_notice = [](const std::string& line) {
    std::fprintf(stderr, "simulate: %s\n", line.c_str());
  };
  std::uint64_t last_events = 0;
  double last_elapsed = 0;
  const bool session_pacing = options.session_rate > 0;
  std::uint64_t last_sessions = 0;
  if (show_progress) {
    control.on_tick = [&](double elapsed, const run_counters& c) {
      const std::uint64_t events = c.events_sent.load();
      const std::uint64_t sessions = c.sessions_started.load();
      const double dt = std::max(1e-6, elapsed - last_elapsed);
      const double interval = session_pacing ? static_cast<double>(sessions - last_sessions) / dt
                                             : static_cast<double>(events - last_events) / dt;
      last_events = events;
      last_sessions = sessions;
      last_elapsed = elapsed;
      const std::string line =
          format_progress(elapsed, c, interval, session_pacing ? "sessions" : "events");
      std::fprintf(stderr, "%s\n", line.c_str());
    };
  }

  auto report = run_load(options, control);
  finished.store(true);
  waiter.join();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  if (!report) {
    std::fprintf(stderr, "simulate: %s\n", report.error().message.c_str());
    return report.error().code == errc::config ? 2 : 1;
  }
  const std::string summary = format_summary(*report);
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  int status = report->error_rate_exceeded ? 1 : 0;
  if (!options.report_path.empty()) {
    const std::string json = to_json(*report);
    std::FILE* f = std::fopen(options.report_path.c_str(), "w");
    bool ok = f != nullptr && std::fwrite(json.data(), 1, json.size(), f) == json.size();
    if (f != nullptr) ok = std::fclose(f) == 0 && ok;
    if (!ok) {
      std::fprintf(stderr, "simulate: cannot write %s\n", options.report_path.c_str());
      status = 1;
    }
  }
  return status;
}

}  // namespace gg::traffic
