#pragma once
// Recognises crawlers, headless browsers and scripted HTTP clients by their User-Agent.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::ingest {

/// The markers used by default, lower case; a User-Agent containing any of them (ASCII
/// case-insensitively) is a bot. Generic HTTP libraries that server-side analytics SDKs use
/// (axios, node-fetch, okhttp) are deliberately absent: their events come from real users.
std::span<const std::string_view> default_bot_markers() noexcept;

/// Matches a User-Agent against a fixed set of markers. The scan hashes every three-byte window
/// (lower-cased) into a 4096-bit filter, so almost every position costs one lookup; verdicts are
/// also kept in a small per-thread cache keyed by a hash of the whole User-Agent, because a
/// site sees the same few hundred agents over and over. Immutable after construction; is_bot()
/// is safe from any number of threads.
class bot_detector {
 public:
  /// Markers of three bytes or more; they are lower-cased here. Shorter markers are ignored.
  explicit bot_detector(std::span<const std::string_view> markers = default_bot_markers());

  bool is_bot(std::string_view user_agent) const noexcept;
  /// is_bot() without the cache.
  bool scan(std::string_view user_agent) const noexcept;

 private:
  struct marker {
    std::string text;
    std::uint32_t window_hash;
  };
  std::vector<marker> markers_;
  std::array<std::uint64_t, 4096 / 64> windows_{};
  std::uint64_t cache_seed_;
};

}  // namespace gg::ingest
