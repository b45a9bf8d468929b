#pragma once
// Everything an operator can set about event capture; src/app fills it from the CLI and config.

#include <gadgetgrove/ingest/client_ip.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace gg::ingest {

struct ingest_config {
  /// How much of the client address is stored (see ip_mode).
  ip_mode client_ip = ip_mode::full;
  /// Secret for the daily-rotating `visitor_hash`; empty: no hash is added.
  std::string visitor_hash_key;
  /// Add `_bot: true` to events whose User-Agent is a known crawler or headless browser.
  bool bot_tagging = true;
  /// Origins allowed to call the ingest routes from a browser, compared exactly
  /// ("https://shop.example"). "*" allows any origin and must be listed explicitly. Empty: no
  /// CORS headers at all (same-origin pages need none).
  std::vector<std::string> cors_origins;
  /// Access-Control-Max-Age of preflight answers.
  std::chrono::seconds cors_max_age{600};
  /// Segment write key the /v1/* routes require (HTTP Basic user name or `writeKey` in the
  /// body); empty: no key is required.
  std::string write_key;
  /// The write key is required on /api/analytics and /api/analytics/batch too (as the HTTP
  /// Basic user name), not only on /v1/*. Requires write_key. For a listener that takes only
  /// server-side events: a browser tracker must then send the key itself.
  bool write_key_everywhere = false;
  /// Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For / Forwarded name the
  /// client (see trusted_proxies); empty: the peer is the client and those headers are ignored.
  std::vector<std::string> trusted_proxies;
  /// Body limits; a larger body is answered 413 by the HTTP layer.
  std::size_t single_body_limit = 32 * 1024;
  std::size_t batch_body_limit = 500 * 1024;
  /// Most events one batch request may carry.
  std::size_t max_batch_events = 2500;
  /// Deepest nesting of objects and arrays accepted in an event (the event object is level 1).
  unsigned max_depth = 32;
  /// The most bytes of JSON text the stored `user_agent` takes, measured after UTF-8 repair and
  /// escaping (an invalid byte becomes a 6-byte \ufffd); longer agents are cut at a character
  /// or escape boundary. The bot mark and the visitor hash still see the whole header.
  std::size_t max_user_agent_bytes = 1024;
  /// A request's enriched lines may total at most max_enrichment_ratio times its (decoded) body
  /// plus enrichment_allowance bytes; beyond that the whole request is refused with 413
  /// `enriched_too_large`. Honest events carry more of their own than ingest adds; a batch of
  /// thousands of near-empty events under a huge header does not.
  std::size_t max_enrichment_ratio = 16;
  std::size_t enrichment_allowance = 64 * 1024;
  /// Retry-After of 503 answers, in seconds.
  unsigned retry_after_seconds = 1;
};

}  // namespace gg::ingest
