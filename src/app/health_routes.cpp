#include "health_routes.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/metrics.hpp>

namespace gg::app {

void add_health_routes(http::router& r, std::function<std::vector<sched::stage_status>()> stages,
                       readyz_detail level, std::function<std::vector<stale_flow>()> stale) {
  r.add(http::verb::get, "/healthz", [](http::request&&, http::responder res) {
    std::move(res).send(
        http::response::json(200, R"({"status":"ok"})").set_header("Cache-Control", "no-store"));
  });
  r.add(http::verb::get, "/readyz",
        [stages = std::move(stages), stale = std::move(stale), level](http::request&&,
                                                                      http::responder res) {
          auto list = stages();
          bool ready = !list.empty();
          std::string failing;
          std::string body = R"({"status":)";
          std::string detail = R"(,"stages":{)";
          bool first = true;
          for (const auto& s : list) {
            if (!s.health.ready()) {
              ready = false;
              if (!failing.empty()) failing += ", ";
              failing += s.name;
            }
            if (!first) detail += ',';
            first = false;
            append_json_string(detail, s.name);
            detail += R"(:{"state":)";
            append_json_string(detail, to_string(s.health.state));
            if (!s.health.detail.empty()) {
              detail += R"(,"detail":)";
              append_json_string(detail, s.health.detail);
            }
            detail += '}';
          }
          detail += '}';
          body += ready ? R"("ready")" : R"("not ready")";
          if (level == readyz_detail::status_only) {
            body += '}';
            std::move(res).send(http::response::json(ready ? 200 : 503, std::move(body))
                                    .set_header("Cache-Control", "no-store"));
            return;
          }
          if (!ready) {
            body += R"(,"failing":)";
            append_json_string(body, list.empty() ? std::string("starting") : failing);
          }
          body += detail;
          if (stale) {
            const auto flows = stale();
            body += R"(,"stale":[)";
            for (std::size_t i = 0; i < flows.size(); ++i) {
              if (i > 0) body += ',';
              append_json_string(body, flows[i].name);
            }
            body += R"(],"stale_reasons":{)";
            for (std::size_t i = 0; i < flows.size(); ++i) {
              if (i > 0) body += ',';
              append_json_string(body, flows[i].name);
              body += ':';
              append_json_string(body, flows[i].reason);
            }
            body += '}';
          }
          body += '}';
          std::move(res).send(http::response::json(ready ? 200 : 503, std::move(body))
                                  .set_header("Cache-Control", "no-store"));
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
