#pragma once
// One HTTP/1.1 connection: reads requests, dispatches them, writes responses in order.

#include "listener_state.hpp"
#include "request_decoder.hpp"

#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/router.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>

namespace gg::http::detail {

/// A connection. Everything runs on the strand that is the socket's executor; the session lives
/// as long as an operation is pending on it or a responder for one of its requests exists
/// (each holds a shared_ptr). The states read like the Beast advanced server: process() parses
/// what is buffered and dispatches, start_read()/on_read() fill the buffer under a deadline,
/// do_write()/on_write() drain the ordered response queue. Reading pauses while the queue holds
/// options.max_queued_responses entries (the pipelining bound) and stops for good once a
/// request or a failure asks to close; the connection closes after its last response.
///
/// deliver(), shutdown() and evict() are the only members safe to call from other threads.
class session final : public response_sink, public std::enable_shared_from_this<session> {
 public:
  using clock = std::chrono::steady_clock;

  session(std::shared_ptr<listener_state> state, boost::asio::ip::tcp::socket socket);
  ~session() override;
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Registers with the listener and starts reading.
  void start();
  /// Asks the connection to finish: an idle one closes, a busy one closes after its responses.
  void shutdown();
  void deliver(std::uint64_t id, response&& r, bool dropped) noexcept override;
  /// deliver() on a thread running the io_context: enters the strand directly when it is free.
  void deliver_here(std::uint64_t id, response&& r, bool dropped) noexcept;
  /// For the acceptor at the connection cap: true (once) when this connection waits for a
  /// request, with no response owed; evict() then closes it. Any thread.
  bool claim_for_eviction() noexcept { return waiting_.exchange(false, std::memory_order_relaxed); }
  /// Closes the connection if it still owes no response (checked again on its strand). Any
  /// thread.
  void evict();

 private:
  /// A response waiting to be written, in request order.
  struct slot {
    response res;
    clock::time_point started;
    unsigned version = 11;
    bool ready = false;
    bool interim = false;  // "100 Continue"
    bool head_request = false;
    bool close_after = false;
  };

  /// A timer that is only re-armed when its deadline moves earlier; a wait that fires before a
  /// later deadline re-arms itself. Keeps per-request timer work near zero on keep-alive.
  struct lazy_timer {
    explicit lazy_timer(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    clock::time_point deadline = clock::time_point::max();
    std::uint64_t generation = 0;
    bool pending = false;
  };

  void process();
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_header();
  void dispatch_request();
  void reject(decode_error e);
  std::uint64_t push_slot(slot s);
  void complete(std::uint64_t id, response&& r, bool dropped);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void arm(lazy_timer& t, clock::time_point deadline, void (session::*on_expiry)());
  void on_read_deadline();
  void on_write_deadline();
  void begin_shutdown();
  void linger_close();
  void start_linger_read();
  void close();
  template <class F>
  void guarded(F&& f) noexcept;

  std::shared_ptr<listener_state> state_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::any_io_executor executor_;  // the connection's strand
  lazy_timer read_timer_;
  lazy_timer write_timer_;
  request_decoder decoder_;
  std::deque<slot> queue_;
  std::uint64_t front_id_ = 0;  // id of queue_.front()
  std::uint64_t next_id_ = 0;
  route_match route_;  // of the request being read
  std::string remote_;
  std::string head_;  // head of the response being written
  clock::time_point message_deadline_{};
  std::optional<std::uint64_t> dispatching_id_;
  std::size_t linger_bytes_ = 0;
  bool message_timed_ = false;
  bool dispatch_dropped_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool read_closed_ = false;
  bool lingering_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  bool registered_ = false;
  // No response owed and open: what the acceptor may evict at the cap. Written on the strand,
  // read (and cleared by claim_for_eviction) by the acceptor.
  std::atomic<bool> waiting_{true};
  std::list<std::weak_ptr<session>>::iterator registry_pos_;
};

}  // namespace gg::http::detail
