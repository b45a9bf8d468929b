// libFuzzer target for event JSON: every body goes through each enrich entry point. Checked
// on every input:
// - nothing crashes, hangs or trips a sanitizer;
// - a body ingest accepts is JSON for simdjson's DOM parser too (numbers out of double range
//   aside: ingest checks the number grammar, as PostgreSQL's jsonb does, not the range);
// - a body simdjson's DOM parser accepts is never refused as not_json or invalid_utf8;
// - every accepted event's line is one line of valid JSON that the event log can frame.

#include <gadgetgrove/eventlog/segment_format.hpp>
#include <gadgetgrove/ingest/event_enricher.hpp>

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using gg::ingest::reject_reason;

void check(bool condition) {
  if (!condition) std::abort();
}

bool number_range_error(simdjson::error_code e) {
  return e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE;
}

const gg::ingest::event_enricher& enricher() {
  static const gg::ingest::event_enricher e = [] {
    gg::ingest::ingest_config c;
    c.client_ip = gg::ingest::ip_mode::truncate;
    c.visitor_hash_key = "fuzz";
    c.max_depth = 16;
    return gg::ingest::event_enricher{c};
  }();
  return e;
}

void check_line(simdjson::dom::parser& dom, const std::string& line, simdjson::error_code input) {
  check(line.find('\n') == std::string::npos);
  check(gg::eventlog::is_frameable(line));
  simdjson::dom::element root;
  const auto err = dom.parse(line).get(root);
  check(err == simdjson::SUCCESS || (number_range_error(err) && number_range_error(input)));
  if (err == simdjson::SUCCESS) check(root.is_object());
}

/// The input's own verdict against ingest's, for the entry points that parse the whole body.
void check_verdict(reject_reason r, simdjson::error_code input) {
  if (r == reject_reason::not_json || r == reject_reason::invalid_utf8) {
    check(input != simdjson::SUCCESS);
  }
  if (input == simdjson::UTF8_ERROR) check(r == reject_reason::invalid_utf8);
  if (r == reject_reason::none) check(input == simdjson::SUCCESS || number_range_error(input));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body{reinterpret_cast<const char*>(data), size};
  static simdjson::dom::parser dom;
  simdjson::error_code input;
  {
    simdjson::dom::element ignored;
    input = dom.parse(body.data(), body.size()).get(ignored);
  }

  gg::ingest::request_info req;
  req.client_ip = "2001:db8::7";
  req.user_agent = "fuzz/1.0";
  req.authorization = "Basic Zm9vOg==";
  req.received = gg::sys_us{std::chrono::microseconds{1'795'000'000'000'000}};

  gg::ingest::enriched_event one;
  const reject_reason single = enricher().enrich_one(gg::ingest::event_source::api, body, req, one);
  check_verdict(single, input);
  if (single == reject_reason::none) check_line(dom, one.line, input);

  const reject_reason segment =
      enricher().enrich_segment(gg::ingest::segment_call::track, body, req, one);
  check_verdict(segment, input);
  if (segment == reject_reason::none) check_line(dom, one.line, input);

  std::vector<gg::ingest::batch_item> items;
  const reject_reason batch = enricher().enrich_batch(body, req, items);
  check_verdict(batch, input);
  if (batch == reject_reason::none) {
    for (const auto& item : items) {
      if (item.reason == reject_reason::none) check_line(dom, item.event.line, input);
    }
  }

  // The Segment envelope is read twice (sentAt and writeKey first), so a broken body can be
  // refused for its envelope before its syntax is looked at; only the lines are checked.
  const reject_reason segment_batch = enricher().enrich_segment_batch(body, req, items);
  if (segment_batch == reject_reason::none) {
    for (const auto& item : items) {
      if (item.reason == reject_reason::none) check_line(dom, item.event.line, input);
    }
  }
  return 0;
}
