#include "listener_state.hpp"

namespace gg::http::detail {

std::string_view to_string(rejection r) noexcept {
  switch (r) {
    case rejection::bad_request:
      return "bad_request";
    case rejection::header_too_large:
      return "header_too_large";
    case rejection::body_too_large:
      return "body_too_large";
    case rejection::not_found:
      return "not_found";
    case rejection::method_not_allowed:
      return "method_not_allowed";
    case rejection::read_timeout:
      return "read_timeout";
    case rejection::write_timeout:
      return "write_timeout";
    case rejection::connection_limit:
      return "connection_limit";
    case rejection::handler_error:
      return "handler_error";
    case rejection::responder_dropped:
      return "responder_dropped";
    case rejection::guarded:
      return "guarded";
    case rejection::evicted:
      return "evicted";
    case rejection::count_:
      break;
  }
  return "unknown";
}

listener_metrics::listener_metrics(metrics::registry& reg, const std::string& listener) {
  static constexpr std::array<const char*, 5> classes = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < classes.size(); ++i) {
    requests[i] = &reg.get_counter("gadgetgrove_http_requests_total",
                                   "HTTP responses sent, by listener and status class",
                                   {{"listener", listener}, {"code", classes[i]}});
  }
  for (std::size_t i = 0; i < rejections.size(); ++i) {
    rejections[i] = &reg.get_counter(
        "gadgetgrove_http_rejections_total",
        "Requests and connections turned away, by listener and reason",
        {{"listener", listener}, {"reason", std::string{to_string(static_cast<rejection>(i))}}});
  }
  duration = &reg.get_histogram("gadgetgrove_http_request_duration_seconds",
                                "Time from a complete request to its response being ready",
                                metrics::latency_buckets(), {{"listener", listener}});
  active = &reg.get_gauge("gadgetgrove_http_active_connections", "Open HTTP connections",
                          {{"listener", listener}});
  connections = &reg.get_counter("gadgetgrove_http_connections_total", "HTTP connections accepted",
                                 {{"listener", listener}});
}

void listener_metrics::count_status(unsigned status) noexcept {
  const unsigned cls = status / 100;
  if (cls >= 1 && cls <= 5) requests[cls - 1]->inc();
}

}  // namespace gg::http::detail
