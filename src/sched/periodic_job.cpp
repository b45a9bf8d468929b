#include "periodic_job.hpp"

#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include <exception>
#include <utility>
#include <vector>

namespace gg::sched::detail {
namespace {

constexpr gg::logger log{"sched"};

thread_local bool running_job = false;

std::string describe(const schedule& when) {
  if (const auto* every = std::get_if<interval_schedule>(&when)) {
    return fmt::format("every {}ms", every->every.count());
  }
  const auto& cron = std::get<cron_schedule>(when);
  return fmt::format("cron {} {}", cron.expr.text(), cron.zone.to_string());
}

metrics::counter& runs_counter(metrics::registry& reg, const std::string& job,
                               const char* outcome) {
  return reg.get_counter("gadgetgrove_sched_job_runs_total", "Job attempts by job and outcome.",
                         {{"job", job}, {"outcome", outcome}});
}

/// Jobs range from milliseconds (a cleanup) to minutes (a full load), beyond the latency buckets.
std::vector<double> job_duration_buckets() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
}

/// Runs the job function; exceptions become failures so they never leave a pool handler.
gg::status invoke(const job& fn, std::stop_token token) {
  running_job = true;
  gg::status st;
  try {
    st = fn(std::move(token));
  } catch (const std::exception& e) {
    st = gg::fail(gg::errc::internal, fmt::format("job threw: {}", e.what()));
  } catch (...) {
    st = gg::fail(gg::errc::internal, "job threw a non-standard exception");
  }
  running_job = false;
  return st;
}

}  // namespace

bool inside_job() noexcept { return running_job; }

periodic_job::periodic_job(job_id id, std::string name, schedule when, job fn, job_options options,
                           boost::asio::io_context& io,
                           boost::asio::thread_pool::executor_type pool, run_tracker& tracker,
                           std::shared_ptr<clock> clk, std::uint64_t jitter_seed,
                           metrics::registry& registry)
    : id_(id),
      name_(std::move(name)),
      schedule_(std::move(when)),
      fn_(std::move(fn)),
      options_(options),
      strand_(boost::asio::make_strand(io)),
      pool_(std::move(pool)),
      tracker_(tracker),
      clock_(std::move(clk)),
      interval_timer_(clock_->make_timer(strand_)),
      cron_timer_(clock_->make_timer(strand_)),
      retry_timer_(clock_->make_timer(strand_)),
      jitter_(jitter_seed == 0 ? gg::prng::from_entropy()
                               : gg::prng(gg::mix64(jitter_seed ^ static_cast<std::uint64_t>(id)))),
      runs_succeeded_(runs_counter(registry, name_, "success")),
      runs_failed_(runs_counter(registry, name_, "failure")),
      runs_cancelled_(runs_counter(registry, name_, "cancelled")),
      skipped_total_(registry.get_counter(
          "gadgetgrove_sched_job_skipped_total",
          "Firings skipped because the job's previous run was still in flight.", {{"job", name_}})),
      retries_total_(registry.get_counter("gadgetgrove_sched_job_retries_total",
                                          "Failed job attempts that were retried.",
                                          {{"job", name_}})),
      duration_(registry.get_histogram("gadgetgrove_sched_job_duration_seconds",
                                       "Duration of job attempts.", job_duration_buckets(),
                                       {{"job", name_}})) {}

void periodic_job::start() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->options_.run_at_start && !self->cancelled_.load()) {
      // A refusal here is already counted or means the scheduler is stopping.
      (void)self->fire();
    }
    self->arm_next();
  });
}

gg::status periodic_job::fire() {
  {
    std::lock_guard lk(tracker_.mtx);
    if (tracker_.stopping) {
      return gg::fail(gg::errc::unavailable, "the scheduler is stopping");
    }
    if (cancelled_.load()) {
      return gg::fail(gg::errc::not_found, fmt::format("job \"{}\" is cancelled", name_));
    }
    phase expected = phase::idle;
    if (!phase_.compare_exchange_strong(expected, phase::running)) {
      skipped_.fetch_add(1, std::memory_order_relaxed);
      skipped_total_.inc();
      log.info("job still running; firing skipped", {{"job", name_}});
      return gg::fail(gg::errc::conflict,
                      fmt::format("job \"{}\" is still running; firing skipped", name_));
    }
    ++tracker_.in_flight;
  }
  boost::asio::post(pool_, [self = shared_from_this()] { self->run_attempt(0); });
  return {};
}

void periodic_job::cancel() {
  {
    // Under the tracker's mutex so that no firing starts after this returns.
    std::lock_guard lk(tracker_.mtx);
    cancelled_.store(true);
  }
  stop_.request_stop();
  if (end_wait()) {
    log.info("pending job retry cancelled", {{"job", name_}});
    finish();
  }
  boost::asio::post(strand_, [self = shared_from_this()] {
    self->interval_timer_->cancel();
    self->cron_timer_->cancel();
    self->retry_timer_->cancel();
    std::lock_guard lk(self->detail_mtx_);
    self->next_fire_.reset();
  });
}

void periodic_job::after_cancel(std::function<void()> fn) {
  // The strand runs its handlers in the order posted, and cancel() posted the timers'
  // cancellation before this.
  boost::asio::post(strand_, std::move(fn));
}

void periodic_job::arm_next() {
  if (cancelled_.load()) return;
  auto self = shared_from_this();
  auto on_due = [self](const boost::system::error_code& ec) {
    if (ec || self->cancelled_.load()) return;
    // A refusal is a counted skip, or the scheduler stopping; the schedule continues either way.
    (void)self->fire();
    self->arm_next();
  };

  if (const auto* every = std::get_if<interval_schedule>(&schedule_)) {
    const auto now = clock_->steady_now();
    // Fixed rate; when the io threads fell more than a period behind, restart from now rather
    // than firing a burst to catch up.
    if (next_due_ == std::chrono::steady_clock::time_point{}) {
      next_due_ = now + every->every;
    } else {
      next_due_ += every->every;
      if (next_due_ <= now) next_due_ = now + every->every;
    }
    {
      std::lock_guard lk(detail_mtx_);
      next_fire_ = clock_->wall_now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(next_due_ - now);
    }
    interval_timer_->wait_until(next_due_, std::move(on_due));
    return;
  }

  const auto& cron = std::get<cron_schedule>(schedule_);
  // Never before the previous firing, so a timer that wakes early cannot fire a minute twice.
  const auto from = std::max(clock_->wall_now(), last_cron_fire_);
  const auto next = cron.expr.next_after(from, cron.zone);
  {
    std::lock_guard lk(detail_mtx_);
    next_fire_ = next;
  }
  if (!next) {
    log.warn("cron job has no further firing", {{"job", name_}, {"cron", cron.expr.text()}});
    return;
  }
  last_cron_fire_ = *next;
  cron_timer_->wait_until(*next, std::move(on_due));
}

void periodic_job::run_attempt(unsigned attempt) {
  if (cancelled_.load()) {
    phase_.store(phase::idle);
    finish();
    return;
  }
  const auto wall_start = clock_->wall_now();
  const auto t0 = clock_->steady_now();
  gg::status st = invoke(fn_, stop_.get_token());
  const auto elapsed = clock_->steady_now() - t0;
  duration_.observe(std::chrono::duration<double>(elapsed).count());
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();

  const bool failed = !st && st.error().code != gg::errc::cancelled;
  {
    std::lock_guard lk(detail_mtx_);
    last_start_ = wall_start;
    last_duration_ = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed);
    if (failed) last_error_ = st.error().message;
  }

  if (st) {
    succeeded_.fetch_add(1, std::memory_order_relaxed);
    runs_succeeded_.inc();
    log.debug("job succeeded",
              {{"job", name_}, {"attempt", attempt + 1}, {"duration_ms", elapsed_ms}});
  } else if (!failed) {
    cancelled_runs_.fetch_add(1, std::memory_order_relaxed);
    runs_cancelled_.inc();
    log.info("job cancelled", {{"job", name_}, {"duration_ms", elapsed_ms}});
  } else {
    failed_.fetch_add(1, std::memory_order_relaxed);
    runs_failed_.inc();
    if (attempt < options_.retry.retries && !cancelled_.load()) {
      retried_.fetch_add(1, std::memory_order_relaxed);
      retries_total_.inc();
      const auto delay = retry_delay(options_.retry, attempt + 1, jitter_.unit());
      log.warn("job failed; will retry", {{"job", name_},
                                          {"attempt", attempt + 1},
                                          {"retries", options_.retry.retries},
                                          {"delay_ms", static_cast<std::int64_t>(delay.count())},
                                          {"error", st.error().message}});
      phase_.store(phase::waiting);
      // cancel() may have run between the check above and the store; one of the two sees the
      // other, and end_wait() lets exactly one of them finish the firing.
      if (cancelled_.load()) {
        if (end_wait()) finish();
        return;
      }
      boost::asio::post(strand_, [self = shared_from_this(), attempt, delay] {
        self->arm_retry(attempt + 1, delay);
      });
      return;
    }
    log.error("job failed", {{"job", name_},
                             {"attempts", attempt + 1},
                             {"duration_ms", elapsed_ms},
                             {"error", st.error().message}});
  }
  phase_.store(phase::idle);
  finish();
}

void periodic_job::arm_retry(unsigned attempt, std::chrono::milliseconds delay) {
  if (cancelled_.load()) {
    if (end_wait()) finish();
    return;
  }
  retry_timer_->wait_until(clock_->steady_now() + delay, [self = shared_from_this(), attempt](
                                                             const boost::system::error_code& ec) {
    if (ec || self->cancelled_.load()) {
      if (self->end_wait()) self->finish();
      return;
    }
    phase expected = phase::waiting;
    if (!self->phase_.compare_exchange_strong(expected, phase::running)) return;
    boost::asio::post(self->pool_, [self, attempt] { self->run_attempt(attempt); });
  });
}

bool periodic_job::end_wait() noexcept {
  phase expected = phase::waiting;
  return phase_.compare_exchange_strong(expected, phase::idle);
}

void periodic_job::finish() {
  std::lock_guard lk(tracker_.mtx);
  --tracker_.in_flight;
  tracker_.idle.notify_all();
}

job_stats periodic_job::stats() const {
  job_stats s;
  s.id = id_;
  s.name = name_;
  s.schedule = describe(schedule_);
  s.succeeded = succeeded_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.cancelled = cancelled_runs_.load(std::memory_order_relaxed);
  s.retried = retried_.load(std::memory_order_relaxed);
  s.skipped = skipped_.load(std::memory_order_relaxed);
  s.running = in_flight();
  std::lock_guard lk(detail_mtx_);
  s.next_fire = next_fire_;
  s.last_start = last_start_;
  s.last_duration = last_duration_;
  s.last_error = last_error_;
  return s;
}

}  // namespace gg::sched::detail
