#pragma once
// Segment line -> raw_data row: checksum tail verification (eventlog::check_frame, the one
// reading of the segment format), then one ondemand pass over the JSON object (simdjson), then
// the loader mapping of the segment format.

#include "event_row.hpp"
#include "reject_reason.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gg::loader {

/// Readable bytes parse_line() needs after the end of each line (simdjson's SIMD loads run past
/// it; the content of those bytes is never interpreted).
inline constexpr std::size_t line_padding = 64;

/// Maps segment lines to event rows. Holds simdjson parsers and scratch buffers that every call
/// reuses, so steady-state parsing does not allocate. Not thread-safe: one parser per thread.
/// The views in a mapped event_row stay valid until the next call on the same parser.
class line_parser {
 public:
  line_parser();
  ~line_parser();
  line_parser(line_parser&&) noexcept;
  line_parser& operator=(line_parser&&) noexcept;

  /// Maps one segment line. `line` excludes the '\n'; `terminated` says whether one followed (a
  /// file's last line without one is torn). At least line_padding readable bytes must follow
  /// line.end(). `queue` names the segment's queue; it becomes queue_name when the line has no
  /// `_queue`. Returns the reason when the line is rejected (then `out` is unspecified).
  std::optional<reject_reason> parse_line(std::string_view line, bool terminated,
                                          std::string_view queue, event_row& out);

  /// Maps a stored rejected line for replay. A line with a checksum tail is verified as in a
  /// segment; a line without one (an operator's correction) is read as a plain JSON object.
  /// `line` needs no padding: it is copied into the parser.
  std::optional<reject_reason> parse_replay(std::string_view line, std::string_view queue,
                                            event_row& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::loader
