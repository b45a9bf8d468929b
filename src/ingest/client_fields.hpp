#pragma once
// The client fields of a line (client_ip, visitor_hash, user_agent, _bot), computed once per
// client and day and kept in the calling thread's cache.

#include "enrich_scratch.hpp"

#include <gadgetgrove/ingest/bot_detector.hpp>
#include <gadgetgrove/ingest/event_enricher.hpp>
#include <gadgetgrove/ingest/ingest_config.hpp>
#include <gadgetgrove/ingest/visitor_hash.hpp>

#include <cstdint>
#include <string>

namespace gg::ingest::detail {

/// What decides a request's client fields; `enricher_id` tells one enricher's cache entries
/// from another's. The references must outlive the call.
struct client_field_rules {
  const ingest_config& config;
  const bot_detector& bots;
  const visitor_hash& hash;
  std::uint64_t enricher_id;
};

/// The client fields of `req` as JSON members, each with its leading comma; from `s`'s cache
/// when this (address, agent) pair was seen today. The reference stays valid until the next
/// call on the same thread.
const std::string& client_fields(thread_scratch& s, const request_info& req,
                                 const client_field_rules& rules);

}  // namespace gg::ingest::detail
