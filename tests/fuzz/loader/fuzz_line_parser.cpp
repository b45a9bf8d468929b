// libFuzzer target for the loader's line -> row mapping. The input is read three ways: as a
// line found in a segment, framed with a valid checksum tail (when the event log could frame
// it), and as a stored reject replayed by an operator. Checked on every input:
// - nothing crashes, hangs or trips a sanitizer, and a mapped row always encodes as COPY data;
// - a line without its '\n' is torn whatever it holds;
// - a line the event log framed is never refused for its frame (checksum or tail), and its
//   replay gets the same verdict and event_id as the segment line;
// - a mapped row has its queue (the segment's when the line names none) and properties that
//   are a JSON object's text.

#include <gadgetgrove/eventlog/segment_format.hpp>
#include "copy_encoder.hpp"
#include "line_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace gl = gg::loader;
using gl::reject_code;

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

/// `line` followed by the padding parse_line() reads past it.
std::optional<gl::reject_reason> parse(gl::line_parser& p, std::string& buf, std::string_view line,
                                       bool terminated, gl::event_row& row) {
  buf.assign(line);
  buf.append(gl::line_padding, '\0');
  return p.parse_line(std::string_view(buf).substr(0, line.size()), terminated, "events", row);
}

void check_row(const gl::event_row& row) {
  check(!row.queue_name.empty());
  if (row.properties) check(!row.properties->empty() && row.properties->front() == '{');
  std::string copy;
  gl::copy_encoder enc(copy);
  enc.header();
  gl::write_event_row(enc, row);
  enc.trailer();
  check(copy.size() > 21);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static gl::line_parser parser;
  static std::string buf;
  gl::event_row row;

  if (!input.empty()) {
    const auto torn = parse(parser, buf, input, false, row);
    check(torn && torn->code == reject_code::torn_line);
  }
  if (const auto r = parse(parser, buf, input, true, row); !r) check_row(row);

  if (!gg::eventlog::is_frameable(input) || input.find('\n') != std::string_view::npos) return 0;
  std::string framed(input);
  gg::eventlog::frame_in_place(framed);
  framed.pop_back();  // the '\n' that ends a line in a segment
  const auto seg = parse(parser, buf, framed, true, row);
  std::optional<gg::uuid> seg_id;
  if (seg) {
    check(seg->code != reject_code::torn_line && seg->code != reject_code::missing_checksum &&
          seg->code != reject_code::checksum_mismatch);
  } else {
    check_row(row);
    seg_id = row.event_id;
  }
  gl::event_row replayed;
  const auto rep = parser.parse_replay(framed, "events", replayed);
  check(rep.has_value() == seg.has_value());
  if (rep) {
    check(*rep == *seg);
  } else {
    check(replayed.event_id == *seg_id);
    check_row(replayed);
  }
  return 0;
}
