#include "load_generator.hpp"

#include <boost/asio/post.hpp>

#include <cmath>

namespace gg::traffic::detail {
namespace {

using namespace std::chrono_literals;

steady::duration seconds_f(double s) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

load_generator::load_generator(generator_config config, run_counters& counters, ack_sink* acks)
    : config_(std::move(config)),
      counters_(counters),
      acks_(acks),
      ioc_(1),
      arrivals_(ioc_),
      watchdog_(ioc_),
      model_(config_.profile, config_.seed) {
  const unsigned n = std::max(1u, config_.connections);
  lanes_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    lanes_.push_back(std::make_shared<lane>(ioc_.get_executor(), config_.target, *this, i));
  }
  backfill_next_ = config_.backfill_first;
}

load_generator::~load_generator() { lanes_.clear(); }

void load_generator::request_stop() {
  stop_requested_.store(true);
  boost::asio::post(ioc_, [this] {
    if (finished_) return;
    stopping_ = true;
    arrivals_done_ = true;
    arrivals_.cancel();
    stop_lanes();
    finish_if_done();
  });
}

bool load_generator::past_end(steady::time_point t) const noexcept {
  return config_.duration > steady::duration::zero() && t >= t0_ + config_.duration;
}

std::unique_ptr<session_slot> load_generator::new_session(steady::time_point origin) {
  // Past the end nothing new starts, even when the schedule lags behind the clock.
  if (stopping_ || past_end(origin) || past_end(steady::now())) return nullptr;
  sys_us start = wall0_ + std::chrono::duration_cast<std::chrono::microseconds>(origin - t0_);
  if (config_.backfill) {
    if (backfill_next_ >= config_.backfill->size()) return nullptr;
    start = config_.backfill->at(backfill_next_);
    backfill_next_ += std::max<std::uint64_t>(1, config_.backfill_stride);
  }
  auto slot = std::make_unique<session_slot>(config_.settings, config_.products,
                                             model_.next(*config_.products, start), ids_);
  slot->origin = origin;
  counters_.sessions_started.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

std::optional<steady::time_point> load_generator::schedule_step(lane& l, session_slot& s) {
  if (stopping_) return std::nullopt;
  const session_plan& plan = s.driver.plan();
  if (s.driver.finished()) return std::nullopt;
  const session_step& step = plan.steps[s.driver.step()];
  steady::time_point at;
  if (config_.pace == pacing::events) {
    double& cursor = cursors_[l.index()];
    at = t0_ + seconds_f(cursor);
    cursor += static_cast<double>(events_of(plan, step)) * static_cast<double>(lanes_.size()) /
              config_.rate;
  } else {
    at = s.origin + seconds_f(static_cast<double>(step.offset_ms) / 1000.0 * config_.think_scale);
  }
  if (past_end(at)) return std::nullopt;
  return at;
}

sys_us load_generator::client_time(const session_slot& s, steady::time_point at) {
  if (config_.backfill) {
    const session_plan& plan = s.driver.plan();
    const std::uint32_t offset = s.driver.finished() ? 0 : plan.steps[s.driver.step()].offset_ms;
    return plan.start + std::chrono::milliseconds(offset);
  }
  return wall0_ + std::chrono::duration_cast<std::chrono::microseconds>(at - t0_);
}

void load_generator::session_done(lane& l, std::unique_ptr<session_slot> s, bool completed) {
  (completed ? counters_.sessions_completed : counters_.sessions_cut)
      .fetch_add(1, std::memory_order_relaxed);
  s.reset();
  if (config_.pace == pacing::events && !stopping_ && !lanes_stopped_) {
    const auto origin = t0_ + seconds_f(cursors_[l.index()]);
    if (auto next = new_session(origin)) l.add(std::move(next));
  }
}

void load_generator::lane_idle(lane&) { finish_if_done(); }

void load_generator::arm_arrivals() {
  if (arrivals_done_) return;
  const auto at = t0_ + seconds_f(static_cast<double>(arrived_) / config_.rate);
  if (past_end(at)) {
    arrivals_done_ = true;
    finish_if_done();
    return;
  }
  arrivals_.expires_at(at);
  arrivals_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || arrivals_done_) return;
    arrive();
  });
}

void load_generator::arrive() {
  // Start every session whose time has come (several when the timer fires late).
  const auto now = steady::now();
  while (!arrivals_done_) {
    const auto at = t0_ + seconds_f(static_cast<double>(arrived_) / config_.rate);
    if (at > now) break;
    auto slot = new_session(at);
    if (!slot) {
      arrivals_done_ = true;
      break;
    }
    lanes_[arrived_ % lanes_.size()]->add(std::move(slot));
    ++arrived_;
  }
  if (arrivals_done_) {
    finish_if_done();
  } else {
    arm_arrivals();
  }
}

void load_generator::watchdog() {
  if (finished_) return;
  const auto now = steady::now();
  for (auto& l : lanes_) l->check_timeout(now, config_.timeout);
  if (!lanes_stopped_) {
    if (past_end(now - config_.grace)) stop_lanes();
  }
  finish_if_done();
  if (finished_) return;
  watchdog_.expires_after(50ms);
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) watchdog();
  });
}

void load_generator::stop_lanes() {
  if (lanes_stopped_) return;
  lanes_stopped_ = true;
  stopping_ = true;
  for (auto& l : lanes_) l->stop();
}

void load_generator::finish_if_done() {
  if (finished_) return;
  if (config_.pace == pacing::sessions && !arrivals_done_) return;
  for (const auto& l : lanes_) {
    if (!l->idle()) return;
  }
  // In events pacing a lane only goes idle once it could not start another session.
  finished_ = true;
  arrivals_.cancel();
  watchdog_.cancel();
}

void load_generator::run(steady::time_point t0, sys_us wall0) {
  t0_ = t0;
  wall0_ = wall0;
  cursors_.assign(lanes_.size(), 0.0);
  if (config_.pace == pacing::events) {
    // Stagger the connections so their slots interleave evenly.
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      cursors_[i] = static_cast<double>(i) / config_.rate;
    }
  }
  boost::asio::post(ioc_, [this] {
    if (stop_requested_.load()) {
      stopping_ = true;
      arrivals_done_ = true;
    }
    if (config_.pace == pacing::events) {
      for (std::size_t i = 0; i < lanes_.size(); ++i) {
        auto slot = new_session(t0_ + seconds_f(cursors_[i]));
        if (!slot) break;
        lanes_[i]->add(std::move(slot));
      }
    } else {
      arm_arrivals();
    }
    watchdog();
  });
  ioc_.run();
}

}  // namespace gg::traffic::detail
