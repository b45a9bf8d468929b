#pragma once
// Parse, validate, enrich and route: turns the body of an event submission into the lines the
// event log stores (the enriched-event format agreed with eventlog and loader). Pure
// computation, no I/O. The work is spread over src/ingest: enrich_session (one parse: checks
// and the line), event_key (the keys ingest reads or owns), client_fields and enrich_scratch
// (per-thread caches), segment_call (Segment mapping), message_id (event ids), write_key_auth.

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/ingest/bot_detector.hpp>
#include <gadgetgrove/ingest/ingest_config.hpp>
#include <gadgetgrove/ingest/message_id.hpp>
#include <gadgetgrove/ingest/reject_reason.hpp>
#include <gadgetgrove/ingest/route.hpp>
#include <gadgetgrove/ingest/segment_call.hpp>
#include <gadgetgrove/ingest/visitor_hash.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::ingest {

/// Where an event came from; stored as `_source`.
enum class event_source : std::uint8_t { api, segment, server };
std::string_view to_string(event_source s) noexcept;

/// What ingest takes from the HTTP request besides the body. The views must stay valid for the
/// duration of the enrich call only.
struct request_info {
  std::string_view client_ip;      // peer address text; empty when unknown
  std::string_view user_agent;     // User-Agent value; empty when absent
  std::string_view authorization;  // Authorization value (Segment write key); empty when absent
  sys_us received{};               // when the request arrived (server_timestamp, skew)
};

/// One accepted event.
struct enriched_event {
  std::string line;  // the enriched JSON object: compact, no newline, no `_checksum`
  queue_id queue = queue_id::event_queue;
  gg::uuid event_id;
  /// The event's `properties` or `traits` carry `"_synthetic": true`: a simulated shopper's
  /// (docs/formats/enriched-event.md). Stored as it came; ingest only counts it.
  bool synthetic = false;
};

/// The fate of one element of a batch.
struct batch_item {
  reject_reason reason = reject_reason::none;
  enriched_event event;  // meaningful when reason == none
};

/// Validates and enriches event bodies under one ingest_config. The config-derived state (bot
/// markers, visitor-hash key) is immutable; each thread keeps its own parser, so every member
/// function is safe to call concurrently from any number of threads. Nothing here blocks.
///
/// Every function returns the reason the body as a whole was refused, or reject_reason::none.
/// The client's members are copied byte for byte (whitespace outside strings removed when the
/// body contains line breaks), never re-serialised; members named like the keys ingest adds
/// are dropped, and so is `writeKey` (a credential). `_processed_at` is the time the line was
/// built and handed to the event log, which writes it within the same group commit. Client
/// fields that are null count as absent. Per thread, the client fields of the last 64
/// (address, agent) pairs are kept, so a visitor's next event skips their recomputation.
class event_enricher {
 public:
  explicit event_enricher(const ingest_config& config);

  /// One event (POST /api/analytics, or a server-made event with source server).
  reject_reason enrich_one(event_source source, std::string_view body, const request_info& req,
                           enriched_event& out) const;

  /// A JSON array of events (POST /api/analytics/batch). On none, `out` holds one item per
  /// element, each accepted or refused on its own.
  reject_reason enrich_batch(std::string_view body, const request_info& req,
                             std::vector<batch_item>& out) const;

  /// One Segment call (POST /v1/track, /v1/page, ...); the path decides the call, whatever the
  /// body's `type` says.
  reject_reason enrich_segment(segment_call call, std::string_view body, const request_info& req,
                               enriched_event& out) const;

  /// A Segment batch `{"batch":[...],"sentAt":...}` (POST /v1/batch); each message names its
  /// call in `type`. The envelope's `sentAt` applies to messages that have none of their own.
  reject_reason enrich_segment_batch(std::string_view body, const request_info& req,
                                     std::vector<batch_item>& out) const;

  /// True when the request carries the configured write key (always true when none is
  /// configured). `body_write_key` is the `writeKey` the body carried, if any.
  bool authorized(std::string_view authorization, std::string_view body_write_key) const noexcept;

  const ingest_config& config() const noexcept { return config_; }

 private:
  class session;
  friend class session;

  ingest_config config_;
  bot_detector bots_;
  visitor_hash visitor_hash_;
  std::uint64_t id_;  // tells this enricher's entries in the per-thread caches from others'
};

}  // namespace gg::ingest
