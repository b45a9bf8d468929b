#pragma once
// The answers of the submission routes, built once every event of a request is settled
// (docs/ingest.md and the route list in ingest_service.hpp).

#include "unavailable_cause.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/http/response.hpp>
#include <gadgetgrove/ingest/reject_reason.hpp>
#include <gadgetgrove/ingest/route.hpp>

#include <cstdint>
#include <optional>
#include <span>

namespace gg::ingest::detail {

/// Which answer a route gives: one event's id, a batch's per-event results, or Segment's.
enum class reply_kind : std::uint8_t { api_single, api_batch, segment };

/// The fate of one event of a request.
struct settled_event {
  reject_reason reason = reject_reason::none;  // refused by validation when not none
  queue_id queue = queue_id::event_queue;
  gg::uuid id;
  bool submitted = false;  // handed to the event log
  bool synthetic = false;
  std::optional<gg::error> failure;  // the log took it but did not make it durable
};

/// 503 with `why` and Retry-After.
http::response unavailable_response(unavailable_cause why, unsigned retry_after_seconds);

/// The answer for `events` (at least one) under `kind`.
http::response build_reply(reply_kind kind, std::span<const settled_event> events,
                           unsigned retry_after_seconds);

}  // namespace gg::ingest::detail
