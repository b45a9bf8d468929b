#include "health_routes.hpp"

#include <gadgetgrove/core/metrics.hpp>

#include <boost/json.hpp>

namespace gg::app {
namespace {

namespace json = boost::json;

// Ready when there is at least one stage and every stage is ready. The full answer names the
// failing stages, each stage's state and detail, and (with a stale-flow source) the stale
// flows and why.
http::response readyz_response(const std::vector<sched::stage_status>& list, readyz_detail level,
                               const std::vector<stale_flow>& flows, bool reports_stale) {
  bool ready = !list.empty();
  std::string failing;
  json::object detail;
  for (const auto& s : list) {
    if (!s.health.ready()) {
      ready = false;
      if (!failing.empty()) failing += ", ";
      failing += s.name;
    }
    json::object stage{{"state", std::string(to_string(s.health.state))}};
    if (!s.health.detail.empty()) stage["detail"] = s.health.detail;
    detail[s.name] = std::move(stage);
  }
  json::object body{{"status", ready ? "ready" : "not ready"}};
  if (level == readyz_detail::full) {
    if (!ready) body["failing"] = list.empty() ? std::string("starting") : failing;
    body["stages"] = std::move(detail);
    if (reports_stale) {
      json::array names;
      json::object reasons;
      for (const auto& f : flows) {
        names.emplace_back(f.name);
        reasons[f.name] = f.reason;
      }
      body["stale"] = std::move(names);
      body["stale_reasons"] = std::move(reasons);
    }
  }
  return http::response::json(ready ? 200 : 503, json::serialize(body))
      .set_header("Cache-Control", "no-store");
}

}  // namespace

void add_health_routes(http::router& r, std::function<std::vector<sched::stage_status>()> stages,
                       readyz_detail level, std::function<std::vector<stale_flow>()> stale) {
  r.add(http::verb::get, "/healthz", [](http::request&&, http::responder res) {
    std::move(res).send(
        http::response::json(200, R"({"status":"ok"})").set_header("Cache-Control", "no-store"));
  });
  r.add(http::verb::get, "/readyz",
        [stages = std::move(stages), stale = std::move(stale), level](http::request&&,
                                                                      http::responder res) {
          std::move(res).send(readyz_response(stages(), level,
                                              stale ? stale() : std::vector<stale_flow>{},
                                              static_cast<bool>(stale)));
        });
}

void add_metrics_route(http::router& r, metrics::registry& registry) {
  r.add(http::verb::get, "/metrics", [&registry](http::request&&, http::responder res) {
    std::move(res).send(
        http::response::typed(200, "text/plain; version=0.0.4; charset=utf-8", registry.expose())
            .set_header("Cache-Control", "no-store"));
  });
}

}  // namespace gg::app
