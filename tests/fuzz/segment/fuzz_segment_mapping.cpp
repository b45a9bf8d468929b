// libFuzzer target for the mapping of Segment calls to raw_data rows, end to end through both
// stages that read the event: ingest's enrichment and the loader's line parser. The first input
// byte chooses the entry point (the six Segment calls, the Segment batch, the original API's
// single event and batch); the rest is the request body. Checked on every input:
// - nothing crashes, hangs or trips a sanitizer;
// - every event ingest accepts, framed by the event log, is loaded: the loader maps it to a row
//   with the event_id ingest assigned, the queue ingest chose, a server timestamp and a type;
//   the loader refuses none of them (ingest's checks are the loader's: the JSON types of the
//   mapped members, every copy of a duplicated one, the numbers numeric can hold; the corpus'
//   regression_wrong_type_* inputs were acknowledged and then refused before they agreed);
// - the Segment calls store their source as segment, the original API's as api.

#include <gadgetgrove/eventlog/segment_format.hpp>
#include <gadgetgrove/ingest/event_enricher.hpp>
#include "copy_encoder.hpp"
#include "line_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace gi = gg::ingest;
namespace gl = gg::loader;

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

const gi::event_enricher& enricher() {
  static const gi::event_enricher e = [] {
    gi::ingest_config c;
    c.client_ip = gi::ip_mode::truncate;
    c.visitor_hash_key = "fuzz";
    c.max_depth = 16;
    return gi::event_enricher{c};
  }();
  return e;
}

void check_loaded(const gi::enriched_event& e, bool segment) {
  std::string line = e.line;
  check(gg::eventlog::is_frameable(line));
  gg::eventlog::frame_in_place(line);
  const std::size_t length = line.size() - 1;  // without the '\n' that ends it in a segment
  line.append(gl::line_padding, '\0');
  static gl::line_parser parser;
  gl::event_row row;
  const auto r = parser.parse_line(std::string_view(line).substr(0, length), true, "fallback", row);
  if (r) {
    std::fprintf(stderr, "the loader refused an accepted event (%s): %s\n", r->to_string().c_str(),
                 e.line.c_str());
    check(false);
  }
  check(row.event_id == e.event_id);
  check(row.queue_name == gg::eventlog::to_string(e.queue));
  check(row.server_timestamp.time_since_epoch().count() != 0);
  check(row.type.has_value() && !row.type->empty());
  // Ingest appends its own members after the client's, so the last `_source` is its own.
  const auto source = e.line.rfind(R"("_source":")");
  check(source != std::string::npos);
  check((e.line.compare(source + 11, 8, "segment\"") == 0) == segment);
  std::string copy;
  gl::copy_encoder enc(copy);
  gl::write_event_row(enc, row);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned entry = data[0] % 9;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  gi::request_info req;
  req.client_ip = "198.51.100.23";
  req.user_agent = "analytics-node/2.0";
  req.received = gg::sys_us{std::chrono::microseconds{1'795'000'000'000'000}};

  gi::enriched_event one;
  std::vector<gi::batch_item> items;
  if (entry < 6) {
    const auto call = static_cast<gi::segment_call>(entry);
    if (enricher().enrich_segment(call, body, req, one) == gi::reject_reason::none) {
      check_loaded(one, true);
    }
  } else if (entry == 6) {
    if (enricher().enrich_segment_batch(body, req, items) == gi::reject_reason::none) {
      for (const auto& item : items) {
        if (item.reason == gi::reject_reason::none) check_loaded(item.event, true);
      }
    }
  } else if (entry == 7) {
    if (enricher().enrich_one(gi::event_source::api, body, req, one) == gi::reject_reason::none) {
      check_loaded(one, false);
    }
  } else if (enricher().enrich_batch(body, req, items) == gi::reject_reason::none) {
    for (const auto& item : items) {
      if (item.reason == gi::reject_reason::none) check_loaded(item.event, false);
    }
  }
  return 0;
}
