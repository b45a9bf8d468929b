#pragma once
// How a Segment call is stored as one of our events (docs/formats/enriched-event.md): track,
// group and alias become custom events, page and screen page views, identify an identify.

#include "captured_value.hpp"

#include <gadgetgrove/ingest/reject_reason.hpp>
#include <gadgetgrove/ingest/segment_call.hpp>

#include <optional>
#include <string_view>

namespace gg::ingest::detail {

/// The stored `type`, and the `event` name written when emit_event is set.
struct segment_mapping {
  std::string_view type;
  std::string_view event_name;
  bool emit_event = false;
};

/// Maps a Segment message: `call` when the route fixed it, else the message's `type`. Refuses
/// a missing or unknown type, a track without `event`, and a message with neither userId nor
/// anonymousId. The views in `out` point into the captured values or static text.
reject_reason map_segment_event(std::optional<segment_call> call, const captured& type,
                                const captured& event, const captured& user_id,
                                const captured& anonymous_id, segment_mapping& out) noexcept;

}  // namespace gg::ingest::detail
