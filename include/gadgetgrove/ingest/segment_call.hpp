#pragma once
// The calls of the Segment Tracking API that ingest takes (POST /v1/<call>).

#include <cstdint>
#include <optional>
#include <string_view>

namespace gg::ingest {

/// The Segment Tracking API calls.
enum class segment_call : std::uint8_t { track, page, screen, identify, group, alias };
std::string_view to_string(segment_call c) noexcept;
/// "track", "page", "screen", "identify", "group" or "alias"; nullopt otherwise.
std::optional<segment_call> parse_segment_call(std::string_view text) noexcept;

}  // namespace gg::ingest
