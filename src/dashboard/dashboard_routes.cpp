#include <gadgetgrove/dashboard/dashboard_routes.hpp>

#include "panel_reader.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>
#include <gadgetgrove/sched/time_zone_spec.hpp>
#include "dashboard_query.hpp"

#include <boost/asio/post.hpp>

#include <memory>

namespace gg::dashboard {
namespace {

constexpr auto acquire_timeout = std::chrono::seconds(5);

http::response no_store(http::response r) {
  r.set_header("Cache-Control", "no-store");
  return r;
}

http::response error_response(unsigned status, std::string_view reason) {
  return no_store(http::error_json(status, reason));
}

unsigned status_for(const gg::error& e) {
  switch (e.code) {
    case errc::invalid_input:
      return 400;
    case errc::not_found:
      return 404;
    case errc::unavailable:
    case errc::timeout:
    case errc::database:
    case errc::io:
      return 503;
    default:
      return 500;
  }
}

// Today's day number in `zone`.
std::int64_t today_in(const sched::time_zone_spec& zone, sys_us now) {
  const auto offset = zone.offset_at(std::chrono::system_clock::time_point(now));
  return std::chrono::floor<std::chrono::days>(now + offset).time_since_epoch().count();
}

struct shared_state {
  std::function<pg::pool*()> pool;
  boost::asio::thread_pool::executor_type blocking;
  sched::time_zone_spec zone;
  dashboard_options options;
};

}  // namespace

gg::status add_dashboard_routes(http::router& admin, std::function<pg::pool*()> pool,
                                boost::asio::thread_pool::executor_type blocking,
                                dashboard_options options) {
  auto zone = sched::time_zone_spec::parse(options.time_zone);
  if (!zone) return gg::fail(errc::config, "dashboard time zone: " + zone.error().message);
  auto state = std::make_shared<const shared_state>(
      shared_state{std::move(pool), blocking, *zone, std::move(options)});

  admin.add(
      http::verb::get, "/api/dashboard/{panel}", [state](http::request&& req, http::responder res) {
        const auto name = req.path_param("panel").value_or("");
        const auto p = parse_panel(name);
        if (!p) {
          std::move(res).send(error_response(404, "unknown dashboard panel"));
          return;
        }
        const auto now = now_us();
        auto q = parse_dashboard_query(req.query(), today_in(state->zone, now));
        if (!q) {
          std::move(res).send(error_response(status_for(q.error()), q.error().message));
          return;
        }
        // The panel's statements block: never on an I/O thread.
        boost::asio::post(state->blocking, [state, res = std::move(res), panel = *p,
                                            panel_name = std::string(name), query = std::move(*q),
                                            now]() mutable {
          auto* pl = state->pool();
          if (pl == nullptr) {
            std::move(res).send(error_response(503, "the database is not ready"));
            return;
          }
          auto conn = pl->acquire(acquire_timeout);
          if (!conn) {
            std::move(res).send(error_response(status_for(conn.error()), conn.error().message));
            return;
          }
          panel_context ctx{now, state->zone.to_string(), &state->options.flows,
                            state->options.includes_synthetic};
          auto body = read_panel(**conn, panel, query, ctx);
          if (!body) {
            gg::logger("dashboard")
                .warn("panel query failed",
                      {{"panel", panel_name}, {"error", body.error().message}});
            std::move(res).send(error_response(status_for(body.error()), body.error().message));
            return;
          }
          std::move(res).send(no_store(http::response::json(200, std::move(*body))));
        });
      });
  return {};
}

}  // namespace gg::dashboard
