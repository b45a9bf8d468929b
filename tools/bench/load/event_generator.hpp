#pragma once
// Realistic enriched events, framed exactly as the event log writes them, for the load
// benchmark: page views, identifies with traits, e-commerce and other custom events, and
// Segment-style calls (anonymousId, context.page), spread over the five queues.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gg::bench {

/// Builds one event line at a time. Deterministic for a given seed. Not thread-safe.
class event_generator {
 public:
  explicit event_generator(std::uint64_t seed, sys_us start);

  /// Appends the next event as one framed segment line (with `_checksum` and '\n') to `out`
  /// and returns the index of its queue in eventlog::all_queues.
  std::size_t next(std::string& out);

 private:
  std::string_view pick(std::span<const std::string_view> options);
  std::string random_uuid(bool time_ordered);
  std::string session_token();

  std::mt19937_64 rng_;
  sys_us clock_;
  std::string body_;
  std::vector<std::string> sessions_;
};

struct segment_set {
  std::uint64_t events = 0;      // lines written, duplicates included
  std::uint64_t duplicates = 0;  // lines that repeat an earlier line
  std::uint64_t bytes = 0;
  std::array<std::uint64_t, 5> events_per_queue{};
  std::vector<std::filesystem::path> files;
};

/// Writes `events` events as sealed segments of at most `segment_bytes` under
/// <data_dir>/log/<queue>/, named like the event log names them. A `duplicate_share` of the
/// lines (0..1) repeat an earlier line of the same queue, as a client's retry after a lost
/// answer does: taken from the queue's earlier segments when it has some (so spread across
/// segments), else from the current one.
result<segment_set> write_segments(const std::filesystem::path& data_dir, std::uint64_t events,
                                   std::uint64_t segment_bytes, std::uint64_t seed,
                                   double duplicate_share = 0);

}  // namespace gg::bench
