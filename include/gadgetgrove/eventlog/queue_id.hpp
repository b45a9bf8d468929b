#pragma once
// The five event queues. Each one is a directory of segments under the log directory and a
// table raw_data.<name> in PostgreSQL; the names are part of the on-disk and SQL contract.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gg::eventlog {

enum class queue_id : std::uint8_t {
  page_views,
  user_events,
  ecommerce_events,
  analytics_events,
  event_queue,
};

inline constexpr std::size_t queue_count = 5;

inline constexpr std::array<queue_id, queue_count> all_queues = {
    queue_id::page_views, queue_id::user_events, queue_id::ecommerce_events,
    queue_id::analytics_events, queue_id::event_queue};

/// The queue's name: "page_views", "user_events", ...
constexpr std::string_view to_string(queue_id q) noexcept {
  switch (q) {
    case queue_id::page_views:
      return "page_views";
    case queue_id::user_events:
      return "user_events";
    case queue_id::ecommerce_events:
      return "ecommerce_events";
    case queue_id::analytics_events:
      return "analytics_events";
    case queue_id::event_queue:
      return "event_queue";
  }
  return "event_queue";
}

/// The queue with exactly this name; nullopt for anything else (names are case-sensitive).
constexpr std::optional<queue_id> parse_queue_id(std::string_view name) noexcept {
  for (const queue_id q : all_queues) {
    if (to_string(q) == name) return q;
  }
  return std::nullopt;
}

/// Position of `q` in all_queues, for per-queue arrays.
constexpr std::size_t index_of(queue_id q) noexcept { return static_cast<std::size_t>(q); }

}  // namespace gg::eventlog
