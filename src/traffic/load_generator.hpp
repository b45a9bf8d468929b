#pragma once
// One thread's share of a `simulate` run: its own io_context, its lanes, and the clock that
// schedules their steps (open loop).

#include "lane.hpp"
#include "session_driver.hpp"

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/traffic/load_report.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>
#include "product_list.hpp"
#include "session_model.hpp"
#include "volume_curve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace gg::traffic::detail {

enum class pacing : std::uint8_t {
  events,    // each connection sends its share of `rate` events per second
  sessions,  // sessions start at `rate` per second; their steps follow the think times
};

struct generator_config {
  boost::asio::ip::tcp::endpoint target;
  driver_settings settings;
  pacing pace = pacing::events;
  /// This generator's share of the run's rate, per second.
  double rate = 100;
  unsigned connections = 1;
  /// Scheduling stops this long after the start; zero: when the backfill is played (or a stop
  /// is requested).
  steady::duration duration{};
  /// sessions pacing: real time between steps = think time * think_scale.
  double think_scale = 0.02;
  session_profile profile;
  std::uint64_t seed = 1;
  std::shared_ptr<const product_list> products;
  /// When set, sessions are stamped with this schedule's past start times and the run ends
  /// once sessions first, first + stride, ... of it are played.
  std::shared_ptr<const backfill_schedule> backfill;
  std::uint64_t backfill_first = 0;
  std::uint64_t backfill_stride = 1;
  /// A request unanswered this long fails with error_kind::timeout.
  steady::duration timeout = std::chrono::seconds(5);
  /// After the end, requests still in flight get this long before they are aborted.
  steady::duration grace = std::chrono::seconds(5);
};

/// Not thread-safe except request_stop(); run() on one thread.
class load_generator final : public lane_owner {
 public:
  load_generator(generator_config config, run_counters& counters, ack_sink* acks);
  ~load_generator() override;
  load_generator(const load_generator&) = delete;
  load_generator& operator=(const load_generator&) = delete;

  /// Plays the run on the calling thread until it is over. `t0`/`wall0`: the run's start on
  /// the steady clock and the wall clock (shared by every generator of a run).
  void run(steady::time_point t0, sys_us wall0);
  /// Ends the run early; thread-safe, does not block.
  void request_stop();

  std::optional<steady::time_point> schedule_step(lane& l, session_slot& s) override;
  bool open_at(steady::time_point now) override { return !stopping_ && !past_end(now); }
  sys_us client_time(const session_slot& s, steady::time_point at) override;
  void session_done(lane& l, std::unique_ptr<session_slot> s, bool completed) override;
  void lane_idle(lane& l) override;
  run_counters& counters() override { return counters_; }
  ack_sink* acks() override { return acks_; }

 private:
  std::unique_ptr<session_slot> new_session(steady::time_point origin);
  bool past_end(steady::time_point t) const noexcept;
  void arrive();
  void arm_arrivals();
  void watchdog();
  void finish_if_done();
  void stop_lanes();

  generator_config config_;
  run_counters& counters_;
  ack_sink* acks_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer arrivals_;
  boost::asio::steady_timer watchdog_;
  std::vector<std::shared_ptr<lane>> lanes_;
  std::vector<double> cursors_;  // events pacing: seconds after t0 of each lane's next slot
  session_model model_;
  id_source ids_;
  steady::time_point t0_{};
  sys_us wall0_{};
  std::uint64_t arrived_ = 0;  // sessions pacing: sessions started
  std::uint64_t backfill_next_ = 0;
  bool arrivals_done_ = false;
  bool stopping_ = false;
  bool lanes_stopped_ = false;
  bool finished_ = false;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace gg::traffic::detail
