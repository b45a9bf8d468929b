#pragma once
// The RabbitMQ stream a queue of events travels on: its name on the broker and how long the
// broker keeps it.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gg::broker {

/// "gadgetgrove.<queue>": every event queue has one stream of that name.
std::string stream_name(std::string_view queue);

/// How much of a stream the broker keeps (x-max-age / x-max-length-bytes); 0 = no limit of
/// that kind. Retention must outlast the longest loader outage: a loader that comes back after
/// its offset was truncated away cannot load those events.
struct stream_retention {
  std::chrono::seconds max_age = std::chrono::hours(24 * 7);
  std::uint64_t max_bytes = 0;
  /// Segment file size on the broker (x-stream-max-segment-size-bytes); retention removes
  /// whole segments, so this is its granularity. 0 = the broker's default (500 MB).
  std::uint64_t segment_bytes = 0;
};

}  // namespace gg::broker
