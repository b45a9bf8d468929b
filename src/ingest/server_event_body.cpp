#include "server_event_body.hpp"

#include <gadgetgrove/core/json_escape.hpp>

namespace gg::ingest::detail {

std::string server_event_body(const server_event& ev, sys_us timestamp) {
  std::string body;
  body.reserve(128 + ev.event.size() + ev.properties_json.size());
  body.append(R"({"type":)");
  append_json_string(body, ev.type);
  if (!ev.event.empty()) {
    body.append(R"(,"event":)");
    append_json_string(body, ev.event);
  }
  if (!ev.session_id.empty()) {
    body.append(R"(,"sessionId":)");
    append_json_string(body, ev.session_id);
  }
  if (!ev.user_id.empty()) {
    body.append(R"(,"userId":)");
    append_json_string(body, ev.user_id);
  }
  if (!ev.properties_json.empty()) {
    body.append(R"(,"properties":)");
    body.append(ev.properties_json);
  }
  body.append(R"(,"timestamp":")");
  char stamp[iso8601_us_size];
  format_iso8601_us(timestamp, stamp);
  body.append(stamp, sizeof stamp);
  body.append("\"}");
  return body;
}

}  // namespace gg::ingest::detail
