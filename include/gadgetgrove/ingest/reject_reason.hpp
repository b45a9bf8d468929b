#pragma once
// Why ingest refused an event or a request. Each reason has a stable short name: it is the
// `error` of the 4xx answer and the `reason` label of gadgetgrove_ingest_rejected_total.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gg::ingest {

enum class reject_reason : std::uint8_t {
  none,                  // accepted
  not_json,              // syntax error, trailing bytes, empty body
  invalid_utf8,          // a byte sequence that is not UTF-8
  not_object,            // an event that is not a JSON object
  not_array,             // a batch body that is not an array (or `batch` that is not one)
  too_deep,              // objects/arrays nested deeper than the configured limit
  nul_character,         // a \u0000 escape: PostgreSQL's jsonb cannot store it
  missing_type,          // `type` absent, empty or not a string
  unknown_type,          // a Segment message whose `type` is not a Segment call
  missing_event,         // custom_event / Segment track without a non-empty string `event`
  missing_identity,      // a Segment message with neither userId nor anonymousId
  invalid_session_id,    // `sessionId` present but not a string
  invalid_user_id,       // `userId` present but not a string
  invalid_anonymous_id,  // `anonymousId` present but not a string
  invalid_message_id,    // `messageId` present but not a usable identifier
  invalid_timestamp,     // `timestamp` present but not ISO-8601
  invalid_sent_at,       // `sentAt` present but not ISO-8601
  invalid_event,         // `event` present but not a string (the api routes; a Segment call
                         // names its own event)
  invalid_url,           // `url` present but not a string
  invalid_path,          // `path` present but not a string
  invalid_properties,    // `properties` present but not an object
  invalid_traits,        // `traits` present but not an object
  unsupported_number,    // a number PostgreSQL's numeric cannot hold (|exponent| > 1000, or
                         // a token longer than 15000 bytes)
  too_many_events,       // a batch with more events than the configured limit
  unauthorized,          // a write key is configured and the request did not carry it
  enriched_too_large,    // the enriched lines outgrow the body (see ingest_config), 413
  body_too_large,        // the decompressed body passes the route's limit, 413
  bad_encoding,          // a corrupt or truncated gzip/deflate body
  unsupported_encoding,  // a Content-Encoding other than gzip, deflate or identity, 415
};

inline constexpr std::size_t reject_reason_count =
    static_cast<std::size_t>(reject_reason::unsupported_encoding) + 1;

/// The stable short name ("not_json", ...); "accepted" for `none`.
std::string_view to_string(reject_reason r) noexcept;

/// The HTTP status a request refused for `r` is answered with: 401 for unauthorized, 413 for
/// enriched_too_large and body_too_large, 415 for unsupported_encoding, else 400.
unsigned http_status(reject_reason r) noexcept;

}  // namespace gg::ingest
