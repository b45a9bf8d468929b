// libFuzzer target: bytes go through request parsing, routing, handler dispatch and response
// serialization exactly as a connection drives them, without sockets. The first input byte
// picks how many bytes each simulated read delivers, so one request is tried split at many
// points. Traps when a serialized response head could be split by request data.

#include "request_decoder.hpp"
#include "response_head.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/http/router.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace {

using gg::http::request;
using gg::http::responder;
using gg::http::response;
using gg::http::verb;

/// Reflects request data into the response so hostile bytes reach the serializer.
void echo(request&& req, responder res) {
  response r = response::text(200, req.body);
  r.add_header("X-Path", std::string{req.path()});
  r.add_header("X-Query", req.query_param("q").value_or(""));
  r.add_header("X-Cookie", std::string{req.cookie("gadgetgrove_session").value_or("")});
  r.add_header("X-Agent", std::string{req.header("user-agent").value_or("")});
  r.add_header(std::string{req.header("x-name").value_or("X-Name")}, "v");
  for (const auto& [name, value] : req.path_params) r.add_header("X-Param-" + name, value);
  std::move(res).send(std::move(r));
}

const gg::http::router& routes() {
  static const gg::http::router r = [] {
    gg::http::router built;
    built.add(verb::get, "/", echo);
    built.add(verb::post, "/api/analytics", echo, {.body_limit = 4096});
    built.add(verb::get, "/category/{slug}/product/{id}", echo);
    built.add_prefix(verb::get, "/static/", echo);
    built.add(verb::post, "/drop", [](request&&, responder) {});
    return built;
  }();
  return r;
}

void check_head(const std::string& head) {
  // Exactly one blank line, at the very end: nothing from the request split the head.
  if (head.find("\r\n\r\n") != head.size() - 4) __builtin_trap();
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) __builtin_trap();
    if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n')) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    gg::log::set_level(gg::log::level::off);
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  ++data;
  --size;

  gg::http::detail::request_decoder decoder{1024};
  std::optional<gg::http::route_match> route;
  std::size_t offset = 0;
  std::string head;
  while (true) {
    const auto st = decoder.parse();
    if (st == gg::http::detail::request_decoder::state::need_more) {
      if (offset >= size) break;
      const auto space = decoder.prepare();
      if (space.empty()) __builtin_trap();  // need_more must leave room to read into
      const std::size_t n = std::min({step, size - offset, space.size()});
      std::memcpy(space.data(), data + offset, n);
      decoder.commit(n);
      offset += n;
    } else if (st == gg::http::detail::request_decoder::state::header_ready) {
      const std::string_view target = decoder.target();
      route = routes().match(decoder.method(), target.substr(0, target.find('?')));
      decoder.set_body_limit(route->body_limit);
    } else if (st == gg::http::detail::request_decoder::state::message_ready) {
      request req = decoder.take();
      if (!route) __builtin_trap();  // a message is never complete before its header
      const bool keep_alive = req.keep_alive;
      const bool head_request = req.method == verb::head;
      response answer = gg::http::error_json(404, "not found");
      if (route->result == gg::http::route_match::outcome::found) {
        req.path_params = std::move(route->params);
        (*route->target)(std::move(req),
                         responder::to_function([&](response&& r) { answer = std::move(r); }));
      }
      route.reset();
      head.clear();
      gg::http::detail::head_context ctx;
      ctx.head_request = head_request;
      ctx.close = !keep_alive;
      const std::size_t body = gg::http::detail::append_response_head(head, answer, ctx);
      check_head(head);
      if (body > answer.body.size()) __builtin_trap();
      if (!keep_alive) break;
    } else {
      const std::string head_error = [&] {
        std::string h;
        gg::http::detail::append_response_head(h, gg::http::error_json(400, decoder.error_text()),
                                               {});
        return h;
      }();
      check_head(head_error);
      break;
    }
  }
  return 0;
}
