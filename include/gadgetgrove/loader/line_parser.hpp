#pragma once
// Segment line -> raw_data row: checksum tail verification, then one ondemand pass over the
// JSON object (simdjson), then the loader mapping of the segment format.

#include <gadgetgrove/loader/event_row.hpp>
#include <gadgetgrove/loader/reject_reason.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gg::loader {

/// Readable bytes parse_line() needs after the end of each line (simdjson's SIMD loads run past
/// it; the content of those bytes is never interpreted).
inline constexpr std::size_t line_padding = 64;

/// Bytes of the `,"_checksum":"<16 hex>"}` tail that ends every segment line (without '\n').
inline constexpr std::size_t checksum_tail_size = 32;

enum class tail_check : std::uint8_t { ok, missing, mismatch };

/// Verifies the framing of one segment line (without its '\n'): the tail is present and its hash
/// is XXH3-64 of every byte before it. Does not parse JSON.
tail_check check_tail(std::string_view line) noexcept;

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
