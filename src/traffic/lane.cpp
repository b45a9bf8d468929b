#include "lane.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>

namespace gg::traffic::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

std::uint64_t micros(steady::duration d) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

bool stale_close(const error_code& ec) noexcept {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

}  // namespace

lane::lane(asio::any_io_executor ex, asio::ip::tcp::endpoint target, lane_owner& owner,
           std::size_t index, std::shared_ptr<void> keep_owner)
    : executor_(ex),
      target_(target),
      owner_(owner),
      keep_owner_(std::move(keep_owner)),
      index_(index),
      socket_(ex),
      timer_(ex) {}

void lane::add(std::unique_ptr<session_slot> s) {
  if (stopped_) {
    owner_.session_done(*this, std::move(s), false);
    return;
  }
  push(std::move(s));
  pump();
}

void lane::push(std::unique_ptr<session_slot> s) {
  const auto at = owner_.schedule_step(*this, *s);
  if (!at) {
    owner_.session_done(*this, std::move(s), false);
    return;
  }
  heap_.push_back(entry{*at, order_++, std::move(s)});
  std::push_heap(heap_.begin(), heap_.end(), later{});
}

void lane::pump() {
  if (busy_ || stopped_) return;
  if (heap_.empty()) {
    owner_.lane_idle(*this);
    return;
  }
  const auto now = steady::now();
  if (!owner_.open_at(now)) {
    auto waiting = std::move(heap_);
    heap_.clear();
    for (auto& e : waiting) owner_.session_done(*this, std::move(e.slot), false);
    if (heap_.empty()) owner_.lane_idle(*this);
    return;
  }
  if (heap_.front().at > now) {
    arm_timer(heap_.front().at);
    return;
  }
  std::pop_heap(heap_.begin(), heap_.end(), later{});
  entry e = std::move(heap_.back());
  heap_.pop_back();
  current_ = std::move(e.slot);
  busy_ = true;
  intended_ = e.at;
  owner_.counters().note_lag(micros(now - e.at));
  current_->driver.begin_step(owner_.client_time(*current_, e.at));
  send();
}

void lane::arm_timer(steady::time_point at) {
  if (timer_armed_ && timer_at_ <= at) return;
  timer_armed_ = true;
  timer_at_ = at;
  timer_.expires_at(at);
  const std::uint64_t generation = ++timer_generation_;
  timer_.async_wait([self = shared_from_this(), generation](const error_code&) {
    if (generation != self->timer_generation_) return;  // re-armed or stopped since
    self->timer_armed_ = false;
    self->timer_at_ = steady::time_point::max();
    self->pump();
  });
}

void lane::send() {
  session_driver& d = current_->driver;
  d.write_request(request_);
  run_counters& c = owner_.counters();
  c.requests_sent.fetch_add(1, std::memory_order_relaxed);
  if (d.request_events() > 0)
    c.events_sent.fetch_add(d.request_events(), std::memory_order_relaxed);
  started_ = steady::now();
  timed_out_ = false;
  retried_ = false;
  if (!connected_) {
    connect();
  } else {
    reused_ = served_ > 0;
    parser_.reset();
    write();
  }
}

void lane::connect() {
  close_socket();
  parser_.clear();
  socket_.async_connect(target_, [self = shared_from_this()](const error_code& ec) {
    if (self->stopped_) return self->on_failure(error_kind::closed);
    if (self->timed_out_) return self->on_failure(error_kind::timeout);
    if (ec) return self->on_failure(error_kind::connect);
    error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->served_ = 0;
    self->reused_ = false;
    self->write();
  });
}

void lane::write() {
  asio::async_write(socket_, asio::buffer(request_),
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      if (self->stopped_) return self->on_failure(error_kind::closed);
                      if (self->timed_out_) return self->on_failure(error_kind::timeout);
                      if (ec) {
                        if (self->reused_ && !self->retried_ && stale_close(ec)) {
                          // The server closed the idle connection as we reused it: resend
                          // once on a new one, as browsers do.
                          self->retried_ = true;
                          return self->connect();
                        }
                        return self->on_failure(error_kind::closed);
                      }
                      self->read();
                    });
}

void lane::read() {
  char* at = parser_.prepare(4096);
  socket_.async_read_some(asio::buffer(at, parser_.capacity()),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            if (self->stopped_) return self->on_failure(error_kind::closed);
                            if (self->timed_out_) return self->on_failure(error_kind::timeout);
                            if (ec) return self->on_read_error(ec);
                            switch (self->parser_.commit(n)) {
                              case response_parser::state::complete:
                                return self->on_response();
                              case response_parser::state::error:
                                return self->on_failure(error_kind::bad_response);
                              case response_parser::state::need_more:
                                return self->read();
                            }
                          });
}

void lane::on_read_error(const error_code& ec) {
  if (ec == asio::error::eof && parser_.on_eof() == response_parser::state::complete) {
    return on_response();
  }
  if (reused_ && !retried_ && parser_.buffered() == 0 && stale_close(ec)) {
    retried_ = true;
    return connect();
  }
  on_failure(error_kind::closed);
}

void lane::on_response() {
  const auto now = steady::now();
  run_counters& c = owner_.counters();
  c.latency.record(micros(now - intended_));
  ++served_;
  const unsigned status = parser_.status();
  const bool close_after = parser_.close();
  const reply_outcome r =
      current_->driver.on_reply(status, parser_.body(), parser_.set_cookies(), owner_.acks());
  if (r.ok) {
    c.requests_ok.fetch_add(1, std::memory_order_relaxed);
  } else {
    c.count_error(status >= 500 ? error_kind::http_5xx : error_kind::http_4xx);
  }
  if (r.acked > 0) c.events_acked.fetch_add(r.acked, std::memory_order_relaxed);
  if (r.rejected > 0) c.events_rejected.fetch_add(r.rejected, std::memory_order_relaxed);
  if (close_after) close_socket();
  intended_ = now;
  step_over();
}

void lane::on_failure(error_kind k) {
  close_socket();
  if (!stopped_) {
    owner_.counters().count_error(k);
    current_->driver.on_failure();
  }
  intended_ = steady::now();
  step_over();
}

void lane::step_over() {
  if (stopped_) {
    busy_ = false;
    auto s = std::move(current_);
    owner_.session_done(*this, std::move(s), false);
    owner_.lane_idle(*this);
    return;
  }
  session_driver& d = current_->driver;
  if (!d.finished() && d.in_step() && owner_.open_at(steady::now())) {
    send();  // the next request of the same step goes out as soon as the last is answered
    return;
  }
  busy_ = false;
  auto s = std::move(current_);
  if (s->driver.finished()) {
    owner_.session_done(*this, std::move(s), true);
  } else {
    push(std::move(s));
  }
  pump();
}

void lane::stop() {
  if (stopped_) return;
  stopped_ = true;
  ++timer_generation_;
  timer_.cancel();
  close_socket();
  auto waiting = std::move(heap_);
  heap_.clear();
  for (auto& e : waiting) owner_.session_done(*this, std::move(e.slot), false);
  if (!busy_) owner_.lane_idle(*this);
}

void lane::wake() {
  if (stopped_) return;
  ++timer_generation_;
  timer_armed_ = false;
  timer_at_ = steady::time_point::max();
  timer_.cancel();
  pump();
}

void lane::check_timeout(steady::time_point now, steady::duration timeout) {
  if (!busy_ || timed_out_ || now - started_ <= timeout) return;
  timed_out_ = true;
  close_socket();
}

void lane::close_socket() noexcept {
  error_code ignored;
  if (socket_.is_open()) socket_.close(ignored);
  connected_ = false;
}

}  // namespace gg::traffic::detail
