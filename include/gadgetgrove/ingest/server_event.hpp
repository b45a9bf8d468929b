#pragma once
// What a stage needs to record an event of its own through event capture: the event and the
// callback that reports it durable. Other stages (the shop) depend on this header alone, not
// on the ingest service.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <functional>
#include <string>

namespace gg::ingest {

/// An event the server itself records (the shop's order_completed / order_failed). It takes
/// the same path as a browser's event, with `_source` "server".
struct server_event {
  std::string type = "custom_event";
  std::string event;            // the custom event's name, e.g. "order_completed"
  std::string session_id;       // empty: none
  std::string user_id;          // empty: none
  std::string properties_json;  // a JSON object stored as `properties`; empty: none
  std::string client_ip;        // of the shopper's request, if any
  std::string user_agent;       // of the shopper's request, if any
};

/// Receives the event id once the event is safe in the log, or why it is not (invalid_input
/// with the reject reason as message, unavailable when the log refused it or failed to write
/// it). Called exactly once: on the calling thread when the event is refused at once, else
/// later on the event log's writer thread, so it must be quick and must not block.
using server_event_callback = std::function<void(gg::result<gg::uuid>)>;

}  // namespace gg::ingest
