#pragma once
// A lane: one keep-alive connection that plays the scheduled steps of one or more sessions,
// one request at a time, in order of scheduled time. Sending is driven by the clock, never by
// completions (open loop): a step whose time has come waits only for the request before it on
// the same connection, and its latency counts from its scheduled time.

#include "response_parser.hpp"
#include "session_driver.hpp"

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/traffic/load_report.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gg::traffic::detail {

using steady = std::chrono::steady_clock;

/// A session in play and its owner's bookkeeping.
struct session_slot {
  session_slot(const driver_settings& settings, std::shared_ptr<const product_list> products,
               session_plan plan, id_source& ids)
      : driver(settings, std::move(products), std::move(plan), ids) {}
  /// With message ids of its own, for sessions played on different threads.
  session_slot(const driver_settings& settings, std::shared_ptr<const product_list> products,
               session_plan plan)
      : own_ids(std::make_unique<id_source>()),
        driver(settings, std::move(products), std::move(plan), *own_ids) {}

  std::unique_ptr<id_source> own_ids;
  session_driver driver;
  steady::time_point origin{};  // when the session was due to start
  std::uint64_t tag = 0;        // the owner's
};

class lane;

/// Decides when steps happen and what becomes of finished sessions. Called on the lane's
/// executor; an owner with lanes on several strands synchronises its own state.
class lane_owner {
 public:
  virtual ~lane_owner() = default;
  /// When the current step of `s` (its first, for a new session) is due; nullopt ends the
  /// session here (cut).
  virtual std::optional<steady::time_point> schedule_step(lane& l, session_slot& s) = 0;
  /// False once no more steps may start (the run's end): waiting steps are then dropped.
  virtual bool open_at(steady::time_point now) = 0;
  /// The client time stamped on the events of a step scheduled at `at`.
  virtual sys_us client_time(const session_slot& s, steady::time_point at) = 0;
  /// The session is over: finished, cut, or dropped because the lane stopped.
  virtual void session_done(lane& l, std::unique_ptr<session_slot> s, bool completed) = 0;
  /// The lane has nothing in flight and nothing scheduled.
  virtual void lane_idle(lane& l) = 0;
  virtual run_counters& counters() = 0;
  virtual ack_sink* acks() = 0;
};

/// Every member function must run on the lane's executor (a strand when the io_context has
/// several threads). Handlers keep the lane alive through shared_from_this.
class lane : public std::enable_shared_from_this<lane> {
 public:
  /// `owner` must outlive the lane unless `keep_owner` holds it.
  lane(boost::asio::any_io_executor ex, boost::asio::ip::tcp::endpoint target, lane_owner& owner,
       std::size_t index, std::shared_ptr<void> keep_owner = nullptr);

  /// Schedules the first step of `s` (through the owner) and plays it when due.
  void add(std::unique_ptr<session_slot> s);
  /// Closes the connection; sessions waiting here are handed back to the owner as dropped,
  /// and so is the one in flight once its request is aborted.
  void stop();
  /// Re-checks the schedule now: after the owner closed (open_at false), waiting steps are
  /// dropped at once instead of when their timer fires.
  void wake();
  /// Aborts a request that has been outstanding longer than `timeout`.
  void check_timeout(steady::time_point now, steady::duration timeout);

  bool idle() const noexcept { return !busy_ && heap_.empty(); }
  std::size_t waiting() const noexcept { return heap_.size(); }
  std::size_t index() const noexcept { return index_; }
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }

 private:
  struct entry {
    steady::time_point at;
    std::uint64_t order;  // ties break in insertion order
    std::unique_ptr<session_slot> slot;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.at != b.at ? a.at > b.at : a.order > b.order;
    }
  };

  void push(std::unique_ptr<session_slot> s);
  void pump();
  void arm_timer(steady::time_point at);
  void send();
  void connect();
  void write();
  void read();
  void on_read_error(const boost::system::error_code& ec);
  void on_response();
  void on_failure(error_kind k);
  void step_over();
  void close_socket() noexcept;

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::endpoint target_;
  lane_owner& owner_;
  std::shared_ptr<void> keep_owner_;
  std::size_t index_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  steady::time_point timer_at_ = steady::time_point::max();
  bool timer_armed_ = false;
  std::uint64_t timer_generation_ = 0;

  std::vector<entry> heap_;
  std::uint64_t order_ = 0;
  std::unique_ptr<session_slot> current_;
  bool busy_ = false;
  bool stopped_ = false;
  bool connected_ = false;
  bool reused_ = false;   // the request went out on a connection that served others
  bool retried_ = false;  // the request was already resent once after a stale close
  bool timed_out_ = false;
  std::uint64_t served_ = 0;  // requests answered on this connection
  steady::time_point intended_{};
  steady::time_point started_{};
  std::string request_;
  response_parser parser_;
};

}  // namespace gg::traffic::detail
