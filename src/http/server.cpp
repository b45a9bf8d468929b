#include <gadgetgrove/http/server.hpp>

#include "listener_state.hpp"
#include "session.hpp"

#include <gadgetgrove/core/log.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gg::http {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

const gg::logger log{"http"};

/// Pause before accepting again after an accept error (EMFILE and the like), so a full file
/// table does not spin the loop.
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};

/// The whole answer to a connection beyond max_connections.
const std::string& overload_response() {
  static const std::string text = [] {
    const std::string body = R"({"status":"error","error":"too many connections"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  return text;
}

}  // namespace

struct server::state : std::enable_shared_from_this<server::state> {
  state(asio::io_context& io, server_options options, std::shared_ptr<const router> routes)
      : ioc(io),
        shared(std::make_shared<detail::listener_state>(std::move(options), std::move(routes),
                                                        io.get_executor())),
        strand(asio::make_strand(io)),
        acceptor(strand),
        retry_timer(strand) {}

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc),
                          [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                            self->on_accept(ec, std::move(socket));
                          });
  }

  void on_accept(const error_code& ec, tcp::socket socket) {
    if (stopped.load()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      log.warn("accept failed", {{"listener", shared->options.name}, {"error", ec.message()}});
      retry_timer.expires_after(accept_retry_delay);
      retry_timer.async_wait([self = shared_from_this()](const error_code& wait_ec) {
        if (!wait_ec && !self->stopped.load()) self->do_accept();
      });
      return;
    }
    try {
      if (shared->active.load() >= shared->options.max_connections && !evict_one()) {
        refuse(std::move(socket));
      } else {
        std::make_shared<detail::session>(shared, std::move(socket))->start();
      }
    } catch (const std::exception& e) {
      log.error("connection setup failed",
                {{"listener", shared->options.name}, {"error", e.what()}});
    }
    do_accept();
  }

  /// At the cap: closes the oldest connection waiting for a request, so the new one can take
  /// its place; false when none of the oldest ones waits (each owes a response). The scan is
  /// bounded so that a listener full of busy connections does not pay for a walk of all of
  /// them on every accept. The new connection is accepted before the evicted one has closed,
  /// so the count passes the cap by the evictions in flight, briefly.
  bool evict_one() {
    constexpr std::size_t scan_limit = 256;
    // Declared before the lock, so released after it: dropping the last reference to a session
    // runs its destructor, which takes the registry's lock.
    std::vector<std::shared_ptr<detail::session>> seen;
    std::shared_ptr<detail::session> victim;
    {
      std::lock_guard lock{shared->sessions_mutex};
      for (const auto& weak : shared->sessions) {
        if (seen.size() >= scan_limit) break;
        auto s = weak.lock();
        if (!s) continue;
        if (s->claim_for_eviction()) {
          victim = std::move(s);
          break;
        }
        seen.push_back(std::move(s));
      }
    }
    if (!victim) return false;
    victim->evict();
    return true;
  }

  /// Answers 503 without reading the request and closes; best effort, never blocks.
  void refuse(tcp::socket socket) {
    shared->stats.reject(detail::rejection::connection_limit);
    shared->stats.count_status(503);
    error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(overload_response()), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  asio::io_context& ioc;
  std::shared_ptr<detail::listener_state> shared;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;  // touched only on `strand` once started
  asio::steady_timer retry_timer;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  mutable std::mutex bound_mutex;
  std::optional<endpoint_info> bound;  // guarded by bound_mutex
};

server::server(asio::io_context& ioc, server_options options, std::shared_ptr<const router> routes)
    : state_(std::make_shared<state>(ioc, std::move(options),
                                     routes ? std::move(routes) : std::make_shared<router>())) {}

server::~server() { stop(); }

gg::result<endpoint_info> server::listen() {
  const auto& opts = state_->shared->options;
  const std::string& host = opts.host == "localhost" ? std::string{"127.0.0.1"} : opts.host;
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return gg::fail(errc::config,
                    "listener " + opts.name + ": '" + opts.host + "' is not an IP address");
  }
  const tcp::endpoint endpoint{address, opts.port};
  auto& acceptor = state_->acceptor;
  const auto failed = [&](std::string_view what) {
    const errc code = ec == asio::error::address_in_use ? errc::conflict : errc::io;
    error_code ignored;
    acceptor.close(ignored);
    return gg::fail(code, "listener " + opts.name + ": " + std::string{what} + " " + host + ":" +
                              std::to_string(opts.port) + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("set SO_REUSEADDR on");
  acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return failed("read the address of");
  endpoint_info info{local.address().to_string(), local.port()};
  {
    std::lock_guard lock{state_->bound_mutex};
    state_->bound = info;
  }
  return info;
}

void server::start() {
  if (!state_->acceptor.is_open()) {
    log.error("start() without a successful listen()",
              {{"listener", state_->shared->options.name}});
    return;
  }
  if (state_->started.exchange(true)) return;
  asio::post(state_->strand, [self = state_] {
    if (!self->stopped.load()) self->do_accept();
  });
}

void server::stop() {
  if (state_->stopped.exchange(true)) return;
  state_->shared->stopping.store(true);
  asio::post(state_->strand, [self = state_] {
    error_code ec;
    self->acceptor.close(ec);
    self->retry_timer.cancel();
  });
  std::vector<std::shared_ptr<detail::session>> live;
  {
    std::lock_guard lock{state_->shared->sessions_mutex};
    live.reserve(state_->shared->sessions.size());
    for (const auto& weak : state_->shared->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (const auto& s : live) s->shutdown();
}

gg::status server::drain(gg::deadline until) const {
  while (active_connections() > 0) {
    if (std::chrono::steady_clock::now() >= until) {
      return gg::fail(errc::timeout, "listener " + state_->shared->options.name + ": " +
                                         std::to_string(active_connections()) +
                                         " connection(s) still open");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return {};
}

std::size_t server::active_connections() const noexcept { return state_->shared->active.load(); }

std::optional<endpoint_info> server::local_endpoint() const {
  std::lock_guard lock{state_->bound_mutex};
  return state_->bound;
}

const server_options& server::options() const noexcept { return state_->shared->options; }

}  // namespace gg::http
