#pragma once
// An HTTP/1.1 listener: accepts connections, reads requests, routes them, writes responses.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/http/response.hpp>
#include <gadgetgrove/http/router.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace gg::metrics {
class registry;
}  // namespace gg::metrics

namespace gg::http {

struct endpoint_info {
  std::string address;
  unsigned short port = 0;
};

struct server_options {
  /// The `listener` label of this listener's metrics and logs ("public", "admin").
  std::string name = "http";
  /// An IP address ("127.0.0.1", "0.0.0.0", "::") or "localhost".
  std::string host = "127.0.0.1";
  /// 0 picks a free port; listen() reports it.
  unsigned short port = 0;
  /// Request line plus header fields; larger is answered 431 and the connection closed.
  std::size_t header_limit = 8 * 1024;
  /// Time a client has to send a whole request once it started one (and a new connection to
  /// send its first request); a slower client is disconnected.
  std::chrono::milliseconds read_timeout{std::chrono::seconds{10}};
  /// A keep-alive connection with no request in flight is closed after this long.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{60}};
  /// Time a client has to take one response; a client that does not read is disconnected.
  std::chrono::milliseconds write_timeout{std::chrono::seconds{30}};
  /// At this many connections a new one takes the place of the oldest connection that is
  /// waiting for a request (silent since it connected, idle between keep-alive requests, or
  /// still sending one), which is closed: a flood of idle or slow connections cannot lock out
  /// clients that send requests. Only when none of the oldest 256 is waiting (every one has a
  /// request being answered) is the new connection answered 503 and closed at once.
  std::size_t max_connections = 10000;
  /// Pipelined requests read ahead of their responses, per connection; reading pauses at this
  /// bound until responses are written.
  std::size_t max_queued_responses = 16;
  /// Added to every response that does not set the same field (e.g. security headers).
  std::vector<header> default_headers;
  /// Asked about every complete request before routing (so unknown paths are guarded too): a
  /// response turns the request away with it (counted as rejection `guarded`), nullopt lets it
  /// through to its route. Runs on the connection's strand: it must be quick and must not
  /// block. Empty: every request is routed.
  std::function<std::optional<response>(const request&)> guard;
  /// Where the listener registers its metrics; null: the process-wide metrics::global(). Must
  /// outlive the server and every connection it accepted.
  metrics::registry* metrics = nullptr;
};

/// One listening socket and its connections, run on a caller's io_context (any number of
/// threads). Each connection has its own strand; a connection lives as long as it has an
/// operation pending or a responder outstanding. Every read has a deadline, every parser a
/// header and body limit, and every connection a bounded response queue.
///
/// Thread safety: listen() and start() are called once, in that order, before the io_context
/// serves the listener; stop(), active_connections() and drain() are safe from any thread.
/// Connections that outlive the server object (a responder still held by a worker) finish on
/// their own.
///
/// Metrics (label `listener` = options.name): gadgetgrove_http_requests_total{code="2xx"...},
/// gadgetgrove_http_request_duration_seconds (request complete to response ready),
/// gadgetgrove_http_rejections_total{reason}, gadgetgrove_http_active_connections,
/// gadgetgrove_http_connections_total.
class server {
 public:
  server(boost::asio::io_context& ioc, server_options options,
         std::shared_ptr<const router> routes);
  /// Stops accepting and closes idle connections (see stop()).
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Opens, binds and listens. Errors: conflict (address in use), config (bad host), io.
  [[nodiscard]] gg::result<endpoint_info> listen();
  /// Starts accepting on the io_context. Requires a successful listen().
  void start();
  /// Stops accepting, closes idle connections and lets in-flight requests finish (their
  /// responses carry Connection: close). Idempotent, does not block.
  void stop();
  /// After stop(): blocks until every connection is closed or `until` passes (timeout error
  /// with the count left). Must not be called from a thread running the io_context.
  [[nodiscard]] gg::status drain(gg::deadline until) const;

  std::size_t active_connections() const noexcept;
  /// The bound address after a successful listen().
  std::optional<endpoint_info> local_endpoint() const;
  const server_options& options() const noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace gg::http
