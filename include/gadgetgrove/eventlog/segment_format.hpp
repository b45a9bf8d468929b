#pragma once
// The segment file format (docs/formats/segment.md): JSON lines, each closed by a fixed-length
// checksum tail, in files named `<first-event-time>-<seq>.jsonl[.open]`. Pure functions, no I/O;
// all of them are thread-safe.

#include <gadgetgrove/core/time.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg::eventlog {

/// The text between the object's last member and the checksum digits.
inline constexpr std::string_view checksum_prefix = ",\"_checksum\":\"";
/// Bytes framing adds to an object: prefix + 16 hex digits + `"}` + newline, minus the `}` it
/// replaces. Reserve this much extra in a line's buffer to frame it without reallocating.
inline constexpr std::size_t frame_overhead = checksum_prefix.size() + 16 + 3 - 1;
/// Length of the tail every framed line ends with: prefix + 16 hex digits + `"}` + newline.
inline constexpr std::size_t frame_tail_size = checksum_prefix.size() + 16 + 3;

inline constexpr std::string_view open_suffix = ".jsonl.open";
inline constexpr std::string_view sealed_suffix = ".jsonl";

/// Whether `object` can be framed: it starts with `{`, ends with `}`, has at least one member,
/// and holds no newline. (It is not parsed: ingest hands over JSON it produced itself.)
bool is_frameable(std::string_view object) noexcept;

/// Turns a frameable object into a framed line in place: the final `}` becomes
/// `,"_checksum":"<xxh3 hex>"}` and a newline is appended.
void frame_in_place(std::string& object);
/// Undoes frame_in_place on a line it produced.
void unframe_in_place(std::string& line);
/// Appends the framed form of a frameable `object` to `out`.
void append_framed(std::string_view object, std::string& out);

/// What the checksum tail of one line says.
enum class frame_check : std::uint8_t {
  ok,       // a well-formed tail whose hash matches the bytes before it
  missing,  // no well-formed tail: prefix, 16 lower-case hex digits, `"}`, at least one byte before
  mismatch,  // a well-formed tail whose hash does not match
};

/// Checks the framing of one line given without its final newline. Does not parse JSON. This is
/// the only reading of the tail: the event log's recovery and the loader both decide with it.
frame_check check_frame(std::string_view line) noexcept;

/// Whether `line` (including its final newline) is a framed line whose checksum matches.
bool verify_line(std::string_view line) noexcept;

/// What a scan of a segment's bytes found.
enum class segment_damage : std::uint8_t {
  none,       // every line verifies
  torn_tail,  // the lines from the first bad one to the end are all bad: an interrupted append
  corrupt,    // a bad line is followed by a good one: damage inside the file
};

struct segment_scan {
  segment_damage damage = segment_damage::none;
  std::uint64_t good_lines = 0;   // lines before the first bad one
  std::uint64_t good_bytes = 0;   // offset of the first bad line (the size when undamaged)
  std::uint64_t lines_after = 0;  // good lines after the first bad one (corrupt only)
};

/// Scans a whole segment. Never fails: any byte sequence gets a verdict.
segment_scan scan_segment(std::string_view data) noexcept;

/// What a segment file name encodes.
struct segment_name {
  sys_us first_event_time{};
  std::uint64_t seq = 0;
  bool open = false;  // `.jsonl.open` (active) rather than `.jsonl` (sealed)
};

/// `<YYYYMMDDTHHMMSSffffffZ>-<8-digit seq>.jsonl` (+ `.open` when `open`). A seq beyond eight
/// digits is written in full.
std::string format_segment_name(const segment_name& name);
/// Parses a name format_segment_name produced; nullopt for any other file name.
std::optional<segment_name> parse_segment_name(std::string_view file_name) noexcept;

}  // namespace gg::eventlog
