#pragma once
// The one routing rule of event capture (docs/reference/behaviour.md §2): which durable queue an
// event goes to.

#include <gadgetgrove/eventlog/queue_id.hpp>

#include <string_view>

namespace gg::ingest {

using eventlog::queue_id;

/// Routes an event. `type` is the normalised type, `event_name` the custom event's name (empty
/// when the event has none) and `queue_name_hint` the client's `queueName` (empty when absent).
/// The type is matched first against the page_views, user_events and ecommerce_events rows;
/// only when it matches none is the event name tried against the user_events and
/// ecommerce_events rows; then a `queueName` of "analytics_events" or "analytics" picks
/// analytics_events; everything else goes to event_queue. Names compare exactly (case matters).
queue_id route(std::string_view type, std::string_view event_name,
               std::string_view queue_name_hint) noexcept;

}  // namespace gg::ingest
