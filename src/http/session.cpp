#include "session.hpp"

#include "response_head.hpp"

#include <gadgetgrove/core/log.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <utility>

namespace gg::http::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

const gg::logger log{"http"};

/// After the last response, how long and how much the connection keeps reading (and
/// discarding) so that closing with unread request bytes does not reset the connection before
/// the client has read the response.
constexpr auto linger_timeout = std::chrono::seconds{2};
constexpr std::size_t linger_limit = 1024 * 1024;

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

/// A socket operation's completion handler marked as a continuation of the handler that
/// started it. When the operation completes at once (a send or receive that succeeds without
/// waiting), Asio then runs the handler on the same thread after the current one, instead of
/// queueing it on the scheduler's shared queue and waking another I/O thread for it: a futex
/// wake-up, a context switch and a contended lock saved per response.
template <class F>
struct continuation {
  F f;
  template <class... Args>
  void operator()(Args&&... args) {
    f(std::forward<Args>(args)...);
  }
  friend bool asio_handler_is_continuation(continuation*) { return true; }
};
template <class F>
continuation<F> as_continuation(F f) {
  return {std::move(f)};
}

}  // namespace

session::session(std::shared_ptr<listener_state> state, asio::ip::tcp::socket socket)
    : state_(std::move(state)),
      socket_(std::move(socket)),
      executor_(socket_.get_executor()),
      read_timer_(executor_),
      write_timer_(executor_),
      decoder_(state_->options.header_limit) {
  state_->active.fetch_add(1);
  state_->stats.active->add(1);
  state_->stats.connections->inc();
  error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string();
}

session::~session() {
  if (registered_) {
    std::lock_guard lock{state_->sessions_mutex};
    state_->sessions.erase(registry_pos_);
  }
  state_->stats.active->sub(1);
  state_->active.fetch_sub(1);
}

template <class F>
void session::guarded(F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    log.error("connection failed",
              {{"listener", state_->options.name}, {"remote", remote_}, {"error", e.what()}});
    close();
  } catch (...) {
    log.error("connection failed", {{"listener", state_->options.name}, {"remote", remote_}});
    close();
  }
}

void session::start() {
  {
    std::lock_guard lock{state_->sessions_mutex};
    registry_pos_ = state_->sessions.insert(state_->sessions.end(), weak_from_this());
    registered_ = true;
  }
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->guarded([&] {
      // stop() sets `stopping` before walking the registry, so a session registered after the
      // walk sees it here.
      if (self->state_->stopping.load()) self->begin_shutdown();
      self->process();
    });
  });
}

void session::shutdown() {
  asio::post(executor_,
             [self = shared_from_this()] { self->guarded([&] { self->begin_shutdown(); }); });
}

void session::evict() {
  asio::post(executor_, [self = shared_from_this()] {
    self->guarded([&] {
      // A request may have completed since the claim: a connection that owes a response stays.
      if (self->closed_ || self->lingering_ || !self->queue_.empty()) return;
      self->state_->stats.reject(rejection::evicted);
      log.debug("connection evicted at the cap",
                {{"listener", self->state_->options.name}, {"remote", self->remote_}});
      self->close();
    });
  });
}

void session::deliver(std::uint64_t id, response&& r, bool dropped) noexcept {
  if (state_->deliveries->on_io_thread()) {
    deliver_here(id, std::move(r), dropped);
    return;
  }
  try {
    // Another thread (the event log's writer answering a group commit): one wake-up of an I/O
    // thread carries every response it hands over meanwhile.
    state_->deliveries->push(shared_from_this(), id, std::move(r), dropped);
  } catch (const std::exception& e) {
    log.error("response lost", {{"listener", state_->options.name}, {"error", e.what()}});
  } catch (...) {
    log.error("response lost", {{"listener", state_->options.name}});
  }
}

void session::deliver_here(std::uint64_t id, response&& r, bool dropped) noexcept {
  try {
    // dispatch(): a handler answering synchronously is already on the strand and its response
    // is queued without a round trip through the scheduler.
    asio::dispatch(executor_, [self = shared_from_this(), id, r = std::move(r), dropped]() mutable {
      self->guarded([&] { self->complete(id, std::move(r), dropped); });
    });
  } catch (const std::exception& e) {
    log.error("response lost", {{"listener", state_->options.name}, {"error", e.what()}});
  } catch (...) {
    log.error("response lost", {{"listener", state_->options.name}});
  }
}

// ---- reading --------------------------------------------------------------------------------

void session::process() {
  const std::size_t bound = std::max<std::size_t>(1, state_->options.max_queued_responses);
  while (!closed_ && !read_closed_ && !reading_) {
    if (queue_.size() >= bound) return;  // on_write() resumes
    switch (decoder_.parse()) {
      case request_decoder::state::need_more:
        start_read();
        return;
      case request_decoder::state::header_ready:
        on_header();
        break;
      case request_decoder::state::message_ready:
        dispatch_request();
        break;
      case request_decoder::state::failed:
        reject(decoder_.error());
        return;
    }
  }
}

void session::start_read() {
  if (reading_ || closed_ || read_closed_) return;
  const auto buffer = decoder_.prepare();
  if (buffer.empty()) {
    reject(decode_error::header_too_large);
    return;
  }
  const auto now = clock::now();
  const auto& opts = state_->options;
  clock::time_point deadline;
  if (decoder_.in_message()) {
    // One deadline for the whole request, so trickling a byte at a time does not extend it.
    if (!message_timed_) {
      message_deadline_ = now + opts.read_timeout;
      message_timed_ = true;
    }
    deadline = message_deadline_;
  } else if (next_id_ == 0) {
    deadline = now + opts.read_timeout;
  } else {
    deadline = now + opts.idle_timeout;
  }
  arm(read_timer_, deadline, &session::on_read_deadline);
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(buffer.data(), buffer.size()),
      as_continuation([self = shared_from_this()](const error_code& ec, std::size_t n) {
        self->guarded([&] { self->on_read(ec, n); });
      }));
}

void session::on_read(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (lingering_) {
    linger_bytes_ += n;
    if (ec || linger_bytes_ > linger_limit) {
      close();
    } else {
      start_linger_read();
    }
    return;
  }
  if (read_closed_) {
    if (queue_.empty()) close();
    return;
  }
  if (ec) {
    // The client closed or reset; what is already queued is still answered (a half-closed
    // client may be waiting for it).
    read_closed_ = true;
    if (queue_.empty()) close();
    return;
  }
  decoder_.commit(n);
  process();
}

void session::on_header() {
  route_ = state_->routes->match(decoder_.method(), path_of(decoder_.target()));
  decoder_.set_body_limit(route_.body_limit);
  if (decoder_.error() == decode_error::none && decoder_.expects_continue() &&
      decoder_.body_pending()) {
    slot s;
    s.interim = true;
    s.ready = true;
    push_slot(std::move(s));
    do_write();
  }
}

void session::dispatch_request() {
  request req = decoder_.take();
  message_timed_ = false;
  req.remote_address = remote_;
  req.path_params = std::move(route_.params);

  slot s;
  s.started = req.received_at;
  s.version = req.version;
  s.head_request = req.method == verb::head;
  s.close_after = !req.keep_alive;
  const std::uint64_t id = push_slot(std::move(s));
  if (!req.keep_alive || stopping_) read_closed_ = true;

  auto& stats = state_->stats;
  if (state_->options.guard) {
    std::optional<response> refused;
    try {
      refused = state_->options.guard(req);
    } catch (const std::exception& e) {
      log.error("request guard threw", {{"listener", state_->options.name}, {"error", e.what()}});
      refused = error_json(500, "internal error");
    }
    if (refused) {
      stats.reject(rejection::guarded);
      complete(id, std::move(*refused), false);
      return;
    }
  }
  switch (route_.result) {
    case route_match::outcome::not_found:
      stats.reject(rejection::not_found);
      complete(id, error_json(404, "not found"), false);
      return;
    case route_match::outcome::method_not_allowed: {
      stats.reject(rejection::method_not_allowed);
      auto r = error_json(405, "method not allowed");
      r.headers.push_back({"Allow", std::move(route_.allow)});
      complete(id, std::move(r), false);
      return;
    }
    case route_match::outcome::found:
      break;
  }

  // The path survives the move of the request for the error log, without an allocation.
  std::array<char, 96> path_copy{};
  const std::string_view path = req.path();
  const std::size_t path_size = std::min(path.size(), path_copy.size());
  std::copy_n(path.data(), path_size, path_copy.data());
  const std::string_view target{path_copy.data(), path_size};
  dispatching_id_ = id;
  dispatch_dropped_ = false;
  bool threw = false;
  try {
    (*route_.target)(std::move(req), responder{shared_from_this(), id});
  } catch (const std::exception& e) {
    threw = true;
    log.error("handler threw",
              {{"listener", state_->options.name}, {"target", target}, {"error", e.what()}});
  } catch (...) {
    threw = true;
    log.error("handler threw", {{"listener", state_->options.name}, {"target", target}});
  }
  dispatching_id_.reset();
  if (threw) {
    stats.reject(rejection::handler_error);
  } else if (dispatch_dropped_) {
    stats.reject(rejection::responder_dropped);
    log.error("handler dropped its responder",
              {{"listener", state_->options.name}, {"target", target}});
  }
}

void session::reject(decode_error e) {
  unsigned status = 400;
  rejection why = rejection::bad_request;
  std::string_view reason = "malformed request";
  if (e == decode_error::header_too_large) {
    status = 431;
    why = rejection::header_too_large;
    reason = "request header too large";
  } else if (e == decode_error::body_too_large) {
    status = 413;
    why = rejection::body_too_large;
    reason = "request body too large";
  } else if (!decoder_.error_text().empty()) {
    // "malformed request", or the framing rule the request broke.
    reason = decoder_.error_text();
  }
  state_->stats.reject(why);
  log.debug("request rejected", {{"listener", state_->options.name},
                                 {"remote", remote_},
                                 {"status", status},
                                 {"reason", decoder_.error_text()}});
  read_closed_ = true;
  slot s;
  s.started = clock::now();
  s.close_after = true;
  const std::uint64_t id = push_slot(std::move(s));
  complete(id, error_json(status, reason), false);
}

// ---- responses ------------------------------------------------------------------------------

std::uint64_t session::push_slot(slot s) {
  waiting_.store(false, std::memory_order_relaxed);
  queue_.push_back(std::move(s));
  return next_id_++;
}

void session::complete(std::uint64_t id, response&& r, bool dropped) {
  if (closed_) return;  // the client is gone; nobody to tell
  if (id < front_id_ || id - front_id_ >= queue_.size()) return;
  slot& s = queue_[id - front_id_];
  if (s.ready) return;
  if (dropped) {
    if (dispatching_id_ == id) {
      // Dropped inside the handler call; dispatch_request() tells a throw from a drop.
      dispatch_dropped_ = true;
    } else {
      state_->stats.reject(rejection::responder_dropped);
      log.error("responder dropped without a response",
                {{"listener", state_->options.name}, {"remote", remote_}});
    }
  }
  if (r.status < 200 || r.status > 599) {
    log.error("handler answered an invalid status",
              {{"listener", state_->options.name}, {"status", r.status}});
    r = error_json(500, "internal error");
  }
  state_->stats.count_status(r.status);
  state_->stats.duration->observe(std::chrono::duration<double>(clock::now() - s.started).count());
  if (r.close) {
    s.close_after = true;
    read_closed_ = true;
  }
  s.res = std::move(r);
  s.ready = true;
  do_write();
}

void session::do_write() {
  if (writing_ || closed_ || queue_.empty() || !queue_.front().ready) return;
  slot& s = queue_.front();
  head_.clear();
  std::size_t body_bytes = 0;
  if (s.interim) {
    head_.append("HTTP/1.1 100 Continue\r\n\r\n");
  } else {
    // Nothing more will be read, and this is the last queued answer: say so.
    if (read_closed_ && queue_.size() == 1) s.close_after = true;
    head_context ctx;
    ctx.default_headers = &state_->options.default_headers;
    ctx.request_version = s.version;
    ctx.head_request = s.head_request;
    ctx.close = s.close_after;
    std::size_t dropped = 0;
    body_bytes = append_response_head(head_, s.res, ctx, &dropped);
    if (dropped > 0) {
      log.warn("response fields dropped", {{"listener", state_->options.name}, {"count", dropped}});
    }
  }
  writing_ = true;
  arm(write_timer_, clock::now() + state_->options.write_timeout, &session::on_write_deadline);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                  asio::buffer(s.res.body.data(), body_bytes)};
  asio::async_write(socket_, buffers,
                    as_continuation([self = shared_from_this()](const error_code& ec, std::size_t) {
                      self->guarded([&] { self->on_write(ec); });
                    }));
}

void session::on_write(const error_code& ec) {
  writing_ = false;
  write_timer_.deadline = clock::time_point::max();
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  const bool close_after = queue_.front().close_after;
  queue_.pop_front();
  ++front_id_;
  if (close_after || (read_closed_ && queue_.empty())) {
    linger_close();
    return;
  }
  if (queue_.empty()) waiting_.store(true, std::memory_order_relaxed);
  if (queue_.empty() && reading_ && !decoder_.in_message()) {
    // Idle from now on, not from when the pending read started.
    arm(read_timer_, clock::now() + state_->options.idle_timeout, &session::on_read_deadline);
  }
  do_write();
  process();
}

// ---- deadlines ------------------------------------------------------------------------------

void session::arm(lazy_timer& t, clock::time_point deadline, void (session::*on_expiry)()) {
  t.deadline = deadline;
  if (t.pending && t.timer.expiry() <= deadline) return;
  t.timer.expires_at(deadline);
  t.pending = true;
  t.timer.async_wait([self = shared_from_this(), &t, generation = ++t.generation,
                      on_expiry](const error_code& ec) {
    if (generation != t.generation) return;  // superseded by a later arm()
    t.pending = false;
    if (ec || self->closed_ || t.deadline == clock::time_point::max()) return;
    self->guarded([&] {
      if (clock::now() < t.deadline) {
        self->arm(t, t.deadline, on_expiry);
      } else {
        ((*self).*on_expiry)();
      }
    });
  });
}

void session::on_read_deadline() {
  if (!reading_) return;
  if (lingering_) {
    close();
    return;
  }
  if (decoder_.in_message() || next_id_ == 0) {
    // A slow or silent client: disconnect it; earlier answers still go out.
    state_->stats.reject(rejection::read_timeout);
    log.debug("read timeout", {{"listener", state_->options.name}, {"remote", remote_}});
    read_closed_ = true;
    if (queue_.empty()) close();
    return;
  }
  if (!queue_.empty()) {
    // The client waits for us, not we for it.
    arm(read_timer_, clock::now() + state_->options.idle_timeout, &session::on_read_deadline);
    return;
  }
  close();  // idle keep-alive connection
}

void session::on_write_deadline() {
  if (!writing_) return;
  state_->stats.reject(rejection::write_timeout);
  log.debug("write timeout", {{"listener", state_->options.name}, {"remote", remote_}});
  close();
}

// ---- closing --------------------------------------------------------------------------------

void session::begin_shutdown() {
  stopping_ = true;
  if (closed_ || lingering_) return;
  if (!decoder_.in_message()) {
    read_closed_ = true;
    if (queue_.empty()) close();
  }
  // A request being received is finished and answered with Connection: close.
}

void session::linger_close() {
  waiting_.store(false, std::memory_order_relaxed);
  lingering_ = true;
  read_closed_ = true;
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    close();
    return;
  }
  arm(read_timer_, clock::now() + linger_timeout, &session::on_read_deadline);
  if (!reading_) start_linger_read();
}

void session::start_linger_read() {
  decoder_.discard();
  const auto buffer = decoder_.prepare();
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(buffer.data(), buffer.size()),
      as_continuation([self = shared_from_this()](const error_code& ec, std::size_t n) {
        self->guarded([&] { self->on_read(ec, n); });
      }));
}

void session::close() {
  if (closed_) return;
  closed_ = true;
  read_closed_ = true;
  waiting_.store(false, std::memory_order_relaxed);
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  read_timer_.timer.cancel();
  write_timer_.timer.cancel();
  queue_.clear();
}

}  // namespace gg::http::detail
