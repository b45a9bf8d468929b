#include "pipeline_api.hpp"

#include "run_text.hpp"

#include <gadgetgrove/core/json_text.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/flows/run_history.hpp>
#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <charconv>

namespace gg::app {
namespace {

namespace json = boost::json;
using http::verb;

constexpr auto acquire_timeout = std::chrono::seconds(5);

json::object flow_json(const flows::flow_status& f) {
  json::object o;
  o["name"] = f.name;
  o["description"] = f.description;
  o["schedule"] = f.schedule;
  o["enabled"] = f.enabled;
  o["running"] = f.running;
  o["pending"] = f.pending;
  o["last_run"] = f.last_run ? json::value(run_object(*f.last_run)) : json::value(nullptr);
  o["last_success"] = time_json(f.last_success);
  o["next_fire"] = time_json(f.next_fire);
  o["consecutive_failures"] = f.consecutive_failures;
  o["max_staleness_s"] = std::chrono::duration<double>(f.max_staleness).count();
  o["stale"] = f.stale;
  o["stale_reason"] = f.stale_reason.empty() ? json::value(nullptr) : json::value(f.stale_reason);
  return o;
}

http::response json_response(unsigned status, const json::value& v) {
  return http::response::json(status, json_text(v)).set_header("Cache-Control", "no-store");
}

unsigned status_for(const gg::error& e) {
  switch (e.code) {
    case errc::invalid_input:
      return 400;
    case errc::not_found:
      return 404;
    case errc::conflict:
      return 409;
    case errc::unavailable:
    case errc::timeout:
    case errc::database:
    case errc::io:
      return 503;
    default:
      return 500;
  }
}

http::response error_response(const gg::error& e) {
  return http::error_json(status_for(e), e.message).set_header("Cache-Control", "no-store");
}

// Parses the query of GET /api/runs; an error names the bad field.
gg::result<flows::run_filter> filter_of(const http::request& req) {
  flows::run_filter f;
  if (auto flow = req.query_param("flow"); flow && !flow->empty()) f.flow = *flow;
  if (auto state = req.query_param("state"); state && !state->empty()) {
    auto s = flows::parse_run_state(*state);
    if (!s) return gg::fail(errc::invalid_input, "state: not a run state: " + *state);
    f.state = *s;
  }
  if (auto limit = req.query_param("limit"); limit && !limit->empty()) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc{} || end != limit->data() + limit->size() || n < 1 || n > 500) {
      return gg::fail(errc::invalid_input, "limit: a number from 1 to 500");
    }
    f.limit = n;
  }
  if (auto before = req.query_param("before"); before && !before->empty()) f.before = *before;
  return f;
}

// {"parameters": {"k": "v", ...}} or an empty body; values must be strings.
gg::result<flows::parameters> parameters_of(std::string_view body) {
  flows::parameters p;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return p;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return gg::fail(errc::invalid_input, "the body is not JSON: " + ec.message());
  if (!v.is_object()) return gg::fail(errc::invalid_input, "the body must be a JSON object");
  const auto& obj = v.as_object();
  for (const auto& [key, value] : obj) {
    if (key != "parameters") {
      return gg::fail(errc::invalid_input, "unknown field: " + std::string(key));
    }
  }
  if (auto it = obj.find("parameters"); it != obj.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return gg::fail(errc::invalid_input, "parameters must be an object of strings");
    }
    for (const auto& [key, value] : it->value().as_object()) {
      if (!value.is_string()) {
        return gg::fail(errc::invalid_input,
                        "parameters." + std::string(key) + " must be a string");
      }
      p.emplace(std::string(key), std::string(value.as_string()));
    }
  }
  return p;
}

json::object detail_json(const flows::run_detail& d, const std::string& retry_run) {
  json::object o;
  o["run"] = run_object(d.run);
  json::array tasks;
  for (const auto& t : d.tasks) {
    json::object j;
    j["task"] = t.task;
    j["position"] = t.position;
    j["attempt"] = t.attempt;
    j["state"] = t.state;
    j["started_at"] = time_json(t.started_at);
    j["ended_at"] = time_json(t.ended_at);
    j["duration_s"] = t.duration_s ? json::value(*t.duration_s) : json::value(nullptr);
    j["error"] = t.error.empty() ? json::value(nullptr) : json::value(t.error);
    tasks.push_back(std::move(j));
  }
  o["tasks"] = std::move(tasks);
  json::array logs;
  for (const auto& l : d.logs) {
    json::object j;
    j["id"] = l.id;
    j["task"] = l.task;
    j["logged_at"] = time_json(l.logged_at);
    j["level"] = l.level;
    j["message"] = l.message;
    logs.push_back(std::move(j));
  }
  o["logs"] = std::move(logs);
  json::array artifacts;
  for (const auto& a : d.artifacts) {
    json::object j;
    j["id"] = a.id;
    j["task"] = a.task;
    j["kind"] = a.kind;
    j["key"] = a.key;
    j["title"] = a.title;
    j["body"] = a.body;
    boost::system::error_code ec;
    json::value data = a.data.empty() ? json::value(nullptr) : json::parse(a.data, ec);
    j["data"] = ec ? json::value(nullptr) : std::move(data);
    j["created_at"] = time_json(a.created_at);
    artifacts.push_back(std::move(j));
  }
  o["artifacts"] = std::move(artifacts);
  o["retry_run"] = retry_run.empty() ? json::value(nullptr) : json::value(retry_run);
  return o;
}

// Runs `work` (which may block on the database) on the blocking pool and sends its answer.
template <class Work>
void off_io(boost::asio::thread_pool::executor_type blocking, http::responder res, Work work) {
  boost::asio::post(blocking, [res = std::move(res), work = std::move(work)]() mutable {
    std::move(res).send(work());
  });
}

}  // namespace

void add_pipeline_api(http::router& admin, std::shared_ptr<flows::engine> engine,
                      std::function<pg::pool*()> pool,
                      boost::asio::thread_pool::executor_type blocking) {
  admin.add(verb::get, "/api/flows", [engine, blocking](http::request&&, http::responder res) {
    // flows() may read the database for the last runs: not on an I/O thread.
    off_io(blocking, std::move(res), [engine] {
      json::array list;
      for (const auto& f : engine->flows()) list.push_back(flow_json(f));
      json::object o;
      o["flows"] = std::move(list);
      return json_response(200, o);
    });
  });

  admin.add(verb::get, "/api/runs", [pool, blocking](http::request&& req, http::responder res) {
    auto filter = filter_of(req);
    if (!filter) {
      std::move(res).send(error_response(filter.error()));
      return;
    }
    off_io(blocking, std::move(res), [pool, f = *filter]() -> http::response {
      auto* p = pool();
      if (p == nullptr) return error_response({errc::unavailable, "the database is not ready"});
      auto conn = p->acquire(acquire_timeout);
      if (!conn) return error_response(conn.error());
      auto runs = flows::list_runs(**conn, f);
      if (!runs) return error_response(runs.error());
      json::array list;
      for (const auto& r : *runs) list.push_back(run_object(r));
      json::object o;
      o["runs"] = std::move(list);
      // The cursor for the next page: the oldest run of this one.
      o["next_before"] = runs->size() == f.limit ? json::value(runs->back().id) : nullptr;
      return json_response(200, o);
    });
  });

  admin.add(verb::get, "/api/runs/{id}",
            [pool, blocking](http::request&& req, http::responder res) {
              std::string id(req.path_param("id").value_or(""));
              off_io(blocking, std::move(res), [pool, id]() -> http::response {
                auto* p = pool();
                if (p == nullptr)
                  return error_response({errc::unavailable, "the database is not ready"});
                auto conn = p->acquire(acquire_timeout);
                if (!conn) return error_response(conn.error());
                auto d = flows::get_run(**conn, id);
                if (!d) return error_response(d.error());
                std::string retry;
                auto r = (*conn)->exec(
                    "SELECT id::text FROM pipeline.flow_runs WHERE parent_run = $1::uuid "
                    "AND trigger = 'retry' ORDER BY id LIMIT 1",
                    d->run.id);
                if (!r) return error_response(r.error());
                if (r->rows() > 0) retry = std::string(r->get(0, 0));
                return json_response(200, detail_json(*d, retry));
              });
            });

  admin.add(
      verb::post, "/api/flows/{name}/run",
      [engine, blocking](http::request&& req, http::responder res) {
        std::string name(req.path_param("name").value_or(""));
        auto params = parameters_of(req.body);
        if (!params) {
          std::move(res).send(error_response(params.error()));
          return;
        }
        off_io(blocking, std::move(res), [engine, name, p = std::move(*params)]() mutable {
          auto t = engine->trigger(name, flows::trigger_kind::manual, std::move(p));
          if (!t) return error_response(t.error());
          json::object o;
          o["run_id"] = t->run_id;
          o["state"] = std::string(to_string(t->state));
          o["coalesced"] = t->coalesced;
          return json_response(202, o);
        });
      },
      http::route_options{16 * 1024});
}

}  // namespace gg::app
