#include <gadgetgrove/ingest/segment_call.hpp>

#include "segment_mapping.hpp"

namespace gg::ingest {

std::string_view to_string(segment_call c) noexcept {
  switch (c) {
    case segment_call::track:
      return "track";
    case segment_call::page:
      return "page";
    case segment_call::screen:
      return "screen";
    case segment_call::identify:
      return "identify";
    case segment_call::group:
      return "group";
    case segment_call::alias:
      return "alias";
  }
  return "track";
}

std::optional<segment_call> parse_segment_call(std::string_view text) noexcept {
  if (text == "track") return segment_call::track;
  if (text == "page") return segment_call::page;
  if (text == "screen") return segment_call::screen;
  if (text == "identify") return segment_call::identify;
  if (text == "group") return segment_call::group;
  if (text == "alias") return segment_call::alias;
  return std::nullopt;
}

namespace detail {

reject_reason map_segment_event(std::optional<segment_call> call, const captured& type,
                                const captured& event, const captured& user_id,
                                const captured& anonymous_id, segment_mapping& out) noexcept {
  if (!call) {
    if (!type.is_nonempty_string()) return reject_reason::missing_type;
    call = parse_segment_call(type.text);
    if (!call) return reject_reason::unknown_type;
  }
  out = {};
  switch (*call) {
    case segment_call::track:
      if (!event.is_nonempty_string()) return reject_reason::missing_event;
      out.type = "custom_event";
      out.event_name = event.text;
      out.emit_event = true;
      break;
    case segment_call::page:
    case segment_call::screen:
      out.type = "page_view";
      break;
    case segment_call::identify:
      out.type = "identify";
      break;
    case segment_call::group:
    case segment_call::alias:
      out.type = "custom_event";
      out.event_name = to_string(*call);
      out.emit_event = true;
      break;
  }
  if (!user_id.is_nonempty_string() && !anonymous_id.is_nonempty_string()) {
    return reject_reason::missing_identity;
  }
  return reject_reason::none;
}

}  // namespace detail

}  // namespace gg::ingest
