#pragma once
// What every connection of one listener shares: options, routes, metrics and the registry of
// live connections that stop() walks. Owned jointly by the server and its connections, so a
// connection that outlives the server object still has it.

#include "delivery_queue.hpp"

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>

namespace gg::http::detail {

class session;

/// Why a request or connection was turned away; the `reason` label of
/// gadgetgrove_http_rejections_total.
enum class rejection : std::uint8_t {
  bad_request,
  header_too_large,
  body_too_large,
  not_found,
  method_not_allowed,
  read_timeout,
  write_timeout,
  connection_limit,
  handler_error,
  responder_dropped,
  guarded,
  evicted,  // a connection waiting for a request, closed at the cap to make room for a new one
  count_,
};

std::string_view to_string(rejection r) noexcept;

struct listener_metrics {
  listener_metrics(metrics::registry& reg, const std::string& listener);

  /// Counts one response by status class (1xx..5xx).
  void count_status(unsigned status) noexcept;
  void reject(rejection r) noexcept { rejections[static_cast<std::size_t>(r)]->inc(); }

  std::array<metrics::counter*, 5> requests{};
  std::array<metrics::counter*, static_cast<std::size_t>(rejection::count_)> rejections{};
  metrics::histogram* duration = nullptr;
  metrics::gauge* active = nullptr;
  metrics::counter* connections = nullptr;
};

struct listener_state {
  listener_state(server_options opts, std::shared_ptr<const router> r,
                 boost::asio::io_context::executor_type io)
      : options(std::move(opts)),
        routes(std::move(r)),
        stats(options.metrics != nullptr ? *options.metrics : metrics::global(), options.name),
        deliveries(std::make_shared<delivery_queue>(std::move(io))) {}

  const server_options options;
  const std::shared_ptr<const router> routes;
  listener_metrics stats;
  std::atomic<std::size_t> active{0};
  std::atomic<bool> stopping{false};
  /// Responses sent from threads outside the io_context (see session::deliver).
  const std::shared_ptr<delivery_queue> deliveries;

  std::mutex sessions_mutex;
  std::list<std::weak_ptr<session>> sessions;  // guarded by sessions_mutex; oldest first
};

}  // namespace gg::http::detail
