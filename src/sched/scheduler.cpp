#include <gadgetgrove/sched/scheduler.hpp>

#include "periodic_job.hpp"
#include "stage_order.hpp"

#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace gg::sched {
namespace {

constexpr gg::logger log{"sched"};

unsigned resolve_threads(unsigned wanted, unsigned minimum) {
  if (wanted == 0) wanted = std::thread::hardware_concurrency();
  return std::max(wanted, minimum);
}

std::string_view signal_name(int signo) noexcept {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal";
  }
}

/// Calls into a stage, turning an escaped exception into an error so it cannot unwind through
/// the scheduler.
template <class F>
gg::status guarded(std::string_view stage_name, std::string_view what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return gg::fail(gg::errc::internal,
                    fmt::format("stage \"{}\" threw from {}: {}", stage_name, what, e.what()));
  } catch (...) {
    return gg::fail(gg::errc::internal,
                    fmt::format("stage \"{}\" threw from {}", stage_name, what));
  }
}

}  // namespace

struct scheduler::impl {
  using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  explicit impl(scheduler_options o)
      : options(o),
        clock(o.time_source ? o.time_source : real_clock()),
        io_threads(resolve_threads(o.io_threads, 1)),
        blocking_threads(resolve_threads(o.blocking_threads, 2)),
        io(static_cast<int>(io_threads)),
        pool(blocking_threads) {}

  const scheduler_options options;

  metrics::registry& metrics_registry() const noexcept {
    return options.metrics != nullptr ? *options.metrics : metrics::global();
  }
  const std::shared_ptr<sched::clock> clock;
  const unsigned io_threads;
  const unsigned blocking_threads;
  // Declared first so that everything holding handlers or I/O objects goes before it.
  boost::asio::io_context io;
  boost::asio::thread_pool pool;

  std::mutex threads_mtx;  // guards guard, threads, started
  std::optional<work_guard> guard;
  std::vector<std::thread> threads;
  bool started = false;
  std::mutex join_mtx;  // held while joining, so a second join() waits for the first

  std::mutex stop_mtx;  // serialises the cancel-and-wait part of stop()
  bool stop_done = false;
  std::atomic<bool> stopped{false};
  std::mutex pool_mtx;
  bool pool_joined = false;

  detail::run_tracker tracker;
  // Guards jobs, retiring, next_job; never held while taking tracker.mtx.
  mutable std::mutex jobs_mtx;
  std::map<std::uint64_t, std::shared_ptr<detail::periodic_job>> jobs;
  // Jobs removed by cancel() whose strand has not yet run their timers' cancellation; stop()
  // waits for those too.
  std::map<std::uint64_t, std::shared_ptr<detail::periodic_job>> retiring;
  std::uint64_t next_job = 1;

  mutable std::mutex stages_mtx;  // guards the stage lists and flags
  std::vector<std::shared_ptr<gg::stage>> stages;
  std::vector<std::shared_ptr<gg::stage>> started_stages;
  bool stages_running = false;

  std::mutex signal_mtx;  // guards on_shutdown_fn and the signal sets' creation
  std::function<void()> on_shutdown_fn;
  std::unique_ptr<boost::asio::signal_set> shutdown_signals;
  std::unique_ptr<boost::asio::signal_set> hup_signals;
  std::atomic<int> shutdown_signal_count{0};

  void io_loop() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log.error("io handler threw; continuing", {{"error", e.what()}});
      } catch (...) {
        log.error("io handler threw a non-standard exception; continuing");
      }
    }
  }

  gg::result<job_id> add_job(std::string name, detail::schedule when, job fn, job_options options) {
    if (!fn)
      return gg::fail(gg::errc::invalid_input, fmt::format("job \"{}\" has no function", name));
    std::shared_ptr<detail::periodic_job> j;
    {
      std::lock_guard lk(jobs_mtx);
      if (stopped.load()) {
        return gg::fail(gg::errc::unavailable,
                        fmt::format("job \"{}\": the scheduler is stopped", name));
      }
      for (const auto& [id, existing] : jobs) {
        if (existing->name() == name) {
          return gg::fail(gg::errc::conflict, fmt::format("job \"{}\" already exists", name));
        }
      }
      const job_id id{next_job++};
      j = std::make_shared<detail::periodic_job>(
          id, std::move(name), std::move(when), std::move(fn), options, io, pool.get_executor(),
          tracker, clock, this->options.jitter_seed, metrics_registry());
      jobs.emplace(static_cast<std::uint64_t>(id), j);
    }
    const auto s = j->stats();
    log.info("job registered", {{"job", s.name}, {"schedule", s.schedule}});
    j->start();
    return s.id;
  }

  std::shared_ptr<detail::periodic_job> find_job(job_id id) const {
    std::lock_guard lk(jobs_mtx);
    const auto found = jobs.find(static_cast<std::uint64_t>(id));
    return found == jobs.end() ? nullptr : found->second;
  }

  /// Cancels every job and waits for the running ones to return; returns every job whose timers'
  /// cancellation may still be queued on its strand (the registered ones and those retiring).
  std::vector<std::shared_ptr<detail::periodic_job>> cancel_jobs_and_wait() {
    {
      std::lock_guard lk(tracker.mtx);
      tracker.stopping = true;
    }
    std::vector<std::shared_ptr<detail::periodic_job>> all;
    std::vector<std::shared_ptr<detail::periodic_job>> retired;
    {
      std::lock_guard lk(jobs_mtx);
      for (const auto& [id, j] : jobs) all.push_back(j);
      for (const auto& [id, j] : retiring) retired.push_back(j);
    }
    for (const auto& j : all) j->cancel();

    // A job that stops the scheduler from inside its own function waits for everyone else.
    const std::uint64_t own = detail::inside_job() ? 1 : 0;
    std::unique_lock lk(tracker.mtx);
    while (tracker.in_flight > own) {
      if (tracker.idle.wait_for(lk, options.stop_report_interval,
                                [&] { return tracker.in_flight <= own; })) {
        break;
      }
      const std::uint64_t left = tracker.in_flight;
      lk.unlock();
      std::string names;
      for (const auto& j : all) {
        if (!j->in_flight()) continue;
        if (!names.empty()) names += ", ";
        names += j->name();
      }
      log.warn("waiting for running jobs to stop", {{"running", left}, {"jobs", names}});
      lk.lock();
    }
    all.insert(all.end(), retired.begin(), retired.end());
    return all;
  }

  /// Stops the io_context once the strand of every job in `cancelled` has run the timers'
  /// cancellation that cancel() queued there. A pending timer holds a handler that holds its job,
  /// and the job holds the timer: were the io_context stopped first, that cancellation would be
  /// dropped unrun and each such job would keep itself alive for good (a manual clock's timers
  /// keep their handlers outside the io_context, so its shutdown cannot break the cycle either).
  /// The last strand to get there stops the io_context, so this never blocks on an io thread.
  /// `io_ran` says whether the io threads were started; if not, this thread runs the queued
  /// handlers itself until the io_context is stopped. Called once, by stop().
  void stop_io_after(const std::vector<std::shared_ptr<detail::periodic_job>>& cancelled,
                     bool io_ran) {
    auto left = std::make_shared<std::atomic<std::size_t>>(cancelled.size() + 1);
    auto arrive = [this, left] {
      if (left->fetch_sub(1) == 1) io.stop();
    };
    for (const auto& j : cancelled) j->after_cancel(arrive);
    arrive();
    if (!io_ran) {
      while (!io.stopped() && io.poll() > 0) {
      }
      // Whatever is still queued is dropped when the io_context goes, as it would be after run().
      io.stop();
    }
  }

  void stop_started_stages(std::vector<std::shared_ptr<gg::stage>> started, gg::deadline until) {
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
      const auto& s = *it;
      (void)guarded(s->name(), "request_stop", [&]() -> gg::status {
        s->request_stop();
        return {};
      });
    }
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
      const auto& s = *it;
      const auto st = guarded(s->name(), "drain", [&] { return s->drain(until); });
      if (st) {
        log.info("stage stopped", {{"stage", s->name()}});
      } else {
        log.warn("stage stopped with work left",
                 {{"stage", s->name()}, {"error", st.error().message}});
      }
    }
  }

  void arm_shutdown_signals() {
    shutdown_signals->async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      const int seen = ++shutdown_signal_count;
      if (seen > 1) {
        log.error("second shutdown signal; exiting now",
                  {{"signal", signal_name(signo)}, {"status", 130}});
        std::_Exit(130);
      }
      log.info("shutdown requested", {{"signal", signal_name(signo)}});
      std::function<void()> fn;
      {
        std::lock_guard lk(signal_mtx);
        fn = on_shutdown_fn;
      }
      if (fn) {
        try {
          fn();
        } catch (const std::exception& e) {
          log.error("shutdown callback threw", {{"error", e.what()}});
        } catch (...) {
          log.error("shutdown callback threw a non-standard exception");
        }
      }
      arm_shutdown_signals();
    });
  }

  void arm_hup_signal() {
    hup_signals->async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      log.info("signal ignored; reserved for configuration reload",
               {{"signal", signal_name(signo)}});
      arm_hup_signal();
    });
  }
};

scheduler::scheduler(scheduler_options options) : impl_(std::make_unique<impl>(options)) {}

scheduler::~scheduler() {
  std::vector<std::shared_ptr<gg::stage>> started;
  {
    std::lock_guard lk(impl_->stages_mtx);
    started = std::move(impl_->started_stages);
    impl_->started_stages.clear();
    impl_->stages_running = false;
  }
  if (!started.empty()) {
    log.warn("scheduler destroyed with stages running; stopping them");
    impl_->stop_started_stages(
        std::move(started), std::chrono::steady_clock::now() + impl_->options.unwind_drain_timeout);
  }
  stop();
}

boost::asio::io_context& scheduler::io() noexcept { return impl_->io; }

boost::asio::thread_pool::executor_type scheduler::blocking_executor() noexcept {
  return impl_->pool.get_executor();
}

unsigned scheduler::io_thread_count() const noexcept { return impl_->io_threads; }
unsigned scheduler::blocking_thread_count() const noexcept { return impl_->blocking_threads; }

const std::shared_ptr<clock>& scheduler::time_source() const noexcept { return impl_->clock; }

void scheduler::run() {
  auto& m = *impl_;
  std::lock_guard lk(m.threads_mtx);
  if (m.started || m.stopped.load()) return;
  m.started = true;
  m.guard.emplace(m.io.get_executor());
  m.threads.reserve(m.io_threads);
  for (unsigned i = 0; i < m.io_threads; ++i) {
    m.threads.emplace_back([&m] { m.io_loop(); });
  }
  log.info("scheduler running",
           {{"io_threads", m.io_threads}, {"blocking_threads", m.blocking_threads}});
}

void scheduler::join() {
  auto& m = *impl_;
  if (m.io.get_executor().running_in_this_thread()) {
    log.error("join() called from an io thread; ignored");
    return;
  }
  std::lock_guard join_lk(m.join_mtx);
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(m.threads_mtx);
    threads = std::move(m.threads);
    m.threads.clear();
  }
  for (auto& t : threads) t.join();
}

void scheduler::stop() {
  auto& m = *impl_;
  {
    std::lock_guard lk(m.stop_mtx);
    if (!m.stop_done) {
      m.stopped.store(true);
      const auto cancelled = m.cancel_jobs_and_wait();
      bool io_ran = false;
      {
        std::lock_guard tl(m.threads_mtx);
        m.guard.reset();
        io_ran = m.started;
      }
      m.stop_io_after(cancelled, io_ran);
      m.stop_done = true;
      log.info("scheduler stopped");
    }
  }
  if (!m.io.get_executor().running_in_this_thread()) {
    join();
    // No io thread is left to run a signal handler, so the sets can go; the default signal
    // dispositions come back with them.
    std::lock_guard lk(m.signal_mtx);
    m.shutdown_signals.reset();
    m.hup_signals.reset();
  }
  if (!m.pool.get_executor().running_in_this_thread()) {
    std::lock_guard lk(m.pool_mtx);
    if (!m.pool_joined) {
      m.pool.join();
      m.pool_joined = true;
    }
  }
}

bool scheduler::stopped() const noexcept { return impl_->stopped.load(); }

gg::result<job_id> scheduler::every(std::string name, std::chrono::milliseconds interval, job fn,
                                    job_options options) {
  if (interval <= std::chrono::milliseconds::zero()) {
    return gg::fail(
        gg::errc::invalid_input,
        fmt::format("job \"{}\": interval must be positive, got {}ms", name, interval.count()));
  }
  return impl_->add_job(std::move(name), detail::interval_schedule{interval}, std::move(fn),
                        options);
}

gg::result<job_id> scheduler::on_cron(std::string name, cron_expr expr, time_zone_spec zone, job fn,
                                      job_options options) {
  if (!expr.next_after(std::chrono::system_clock::now(), zone)) {
    return gg::fail(
        gg::errc::invalid_input,
        fmt::format("job \"{}\": cron expression \"{}\" never fires", name, expr.text()));
  }
  return impl_->add_job(std::move(name), detail::cron_schedule{std::move(expr), zone},
                        std::move(fn), options);
}

gg::status scheduler::run_now(job_id id) {
  auto j = impl_->find_job(id);
  if (!j) {
    return gg::fail(gg::errc::not_found,
                    fmt::format("no job with id {}", static_cast<std::uint64_t>(id)));
  }
  return j->fire();
}

gg::status scheduler::cancel(job_id id) {
  std::shared_ptr<detail::periodic_job> j;
  {
    std::lock_guard lk(impl_->jobs_mtx);
    const auto found = impl_->jobs.find(static_cast<std::uint64_t>(id));
    if (found == impl_->jobs.end()) {
      return gg::fail(gg::errc::not_found,
                      fmt::format("no job with id {}", static_cast<std::uint64_t>(id)));
    }
    j = std::move(found->second);
    impl_->jobs.erase(found);
    impl_->retiring.emplace(static_cast<std::uint64_t>(id), j);
  }
  j->cancel();
  j->after_cancel([&m = *impl_, id] {
    std::lock_guard lk(m.jobs_mtx);
    m.retiring.erase(static_cast<std::uint64_t>(id));
  });
  log.info("job cancelled", {{"job", j->name()}});
  return {};
}

std::optional<job_stats> scheduler::stats(job_id id) const {
  auto j = impl_->find_job(id);
  if (!j) return std::nullopt;
  return j->stats();
}

std::vector<job_stats> scheduler::jobs() const {
  std::vector<std::shared_ptr<detail::periodic_job>> all;
  {
    std::lock_guard lk(impl_->jobs_mtx);
    all.reserve(impl_->jobs.size());
    for (const auto& [id, j] : impl_->jobs) all.push_back(j);
  }
  std::vector<job_stats> out;
  out.reserve(all.size());
  for (const auto& j : all) out.push_back(j->stats());
  return out;
}

void scheduler::add_stage(std::shared_ptr<gg::stage> s) {
  if (!s) return;
  std::lock_guard lk(impl_->stages_mtx);
  impl_->stages.push_back(std::move(s));
}

gg::status scheduler::start_stages() {
  auto& m = *impl_;
  std::vector<std::shared_ptr<gg::stage>> stages;
  {
    std::lock_guard lk(m.stages_mtx);
    if (m.stages_running || !m.started_stages.empty()) {
      return gg::fail(gg::errc::conflict, "stages are already started");
    }
    stages = m.stages;
  }
  auto order = detail::order_stages(stages);
  if (!order) {
    log.error("cannot order stages", {{"error", order.error().message}});
    return order.error();
  }

  for (const auto& s : *order) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto st = guarded(s->name(), "start", [&] { return s->start(); });
    if (!st) {
      log.error("stage failed to start", {{"stage", s->name()}, {"error", st.error().message}});
      std::vector<std::shared_ptr<gg::stage>> started;
      {
        std::lock_guard lk(m.stages_mtx);
        started = std::move(m.started_stages);
        m.started_stages.clear();
      }
      m.stop_started_stages(std::move(started),
                            std::chrono::steady_clock::now() + m.options.unwind_drain_timeout);
      return st.error().with_context(fmt::format("stage \"{}\" failed to start", s->name()));
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    log.info("stage started", {{"stage", s->name()}, {"duration_ms", ms}});
    std::lock_guard lk(m.stages_mtx);
    m.started_stages.push_back(s);
  }
  std::lock_guard lk(m.stages_mtx);
  m.stages_running = true;
  return {};
}

void scheduler::stop_stages(gg::deadline until) {
  std::vector<std::shared_ptr<gg::stage>> started;
  {
    std::lock_guard lk(impl_->stages_mtx);
    started = std::move(impl_->started_stages);
    impl_->started_stages.clear();
    impl_->stages_running = false;
  }
  impl_->stop_started_stages(std::move(started), until);
}

std::vector<stage_status> scheduler::health() const {
  std::vector<std::shared_ptr<gg::stage>> stages;
  {
    std::lock_guard lk(impl_->stages_mtx);
    stages = impl_->stages;
  }
  std::vector<stage_status> out;
  out.reserve(stages.size());
  for (const auto& s : stages) {
    gg::health h;
    try {
      h = s->health();
    } catch (const std::exception& e) {
      h = gg::health{gg::health_state::down, fmt::format("health() threw: {}", e.what())};
    } catch (...) {
      h = gg::health{gg::health_state::down, "health() threw"};
    }
    out.push_back(stage_status{std::string(s->name()), std::move(h)});
  }
  return out;
}

bool scheduler::ready() const {
  {
    std::lock_guard lk(impl_->stages_mtx);
    if (!impl_->stages_running) return false;
  }
  const auto all = health();
  return std::all_of(all.begin(), all.end(),
                     [](const stage_status& s) { return s.health.ready(); });
}

void scheduler::on_shutdown(std::function<void()> fn) {
  auto& m = *impl_;
  std::lock_guard lk(m.signal_mtx);
  m.on_shutdown_fn = std::move(fn);
  if (m.shutdown_signals || m.stopped.load()) return;
  m.shutdown_signals = std::make_unique<boost::asio::signal_set>(m.io, SIGINT, SIGTERM);
  m.hup_signals = std::make_unique<boost::asio::signal_set>(m.io, SIGHUP);
  m.arm_shutdown_signals();
  m.arm_hup_signal();
}

}  // namespace gg::sched
