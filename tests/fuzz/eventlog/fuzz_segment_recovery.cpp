// libFuzzer target: any bytes left in an `.open` segment go through the scan and the start-up
// recovery, which must never crash and must leave: a sealed segment holding the verified prefix
// (if it has a line), and for a corrupt segment the bytes from the first bad line on, untouched,
// in quarantine.

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include "fault_file_system.hpp"
#include "segment_recovery.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace gg::eventlog;

#define GG_FUZZ_CHECK(cond)        \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

const std::string dir = "/d/log/page_views";
const std::string quarantine = "/d/quarantine/page_views";
const std::string name = "20250101T000000000000Z-00000001";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    gg::log::set_level(gg::log::level::off);
    return true;
  }();
  (void)quiet;
  const std::string input(reinterpret_cast<const char*>(data), size);

  const segment_scan scan = scan_segment(input);
  GG_FUZZ_CHECK(scan.good_bytes <= input.size());
  GG_FUZZ_CHECK((scan.damage == segment_damage::none) == (scan.good_bytes == input.size()));
  GG_FUZZ_CHECK(scan.damage != segment_damage::corrupt || scan.lines_after > 0);
  // The verified prefix rescans clean with the same line count.
  const segment_scan prefix = scan_segment(std::string_view(input).substr(0, scan.good_bytes));
  GG_FUZZ_CHECK(prefix.damage == segment_damage::none);
  GG_FUZZ_CHECK(prefix.good_lines == scan.good_lines);

  fault_file_system fs;
  fs.put(dir + "/" + name + ".jsonl.open", input);
  auto report = recover_queue_dir(fs, dir, quarantine);
  GG_FUZZ_CHECK(report.has_value());
  GG_FUZZ_CHECK(report->next_seq == 2);
  GG_FUZZ_CHECK(!fs.contents(dir + "/" + name + ".jsonl.open"));
  const auto sealed = fs.contents(dir + "/" + name + ".jsonl");
  const auto held = fs.contents(
      quarantine + "/" + quarantine_name(name + ".jsonl.open", scan.good_bytes, input.size()));
  if (scan.damage == segment_damage::corrupt) {
    GG_FUZZ_CHECK(report->quarantined == 1);
    GG_FUZZ_CHECK(report->quarantined_bytes == input.size() - scan.good_bytes);
    GG_FUZZ_CHECK(held && *held == input.substr(scan.good_bytes));
    GG_FUZZ_CHECK(scan.good_bytes == 0 ? !sealed
                                       : sealed && *sealed == input.substr(0, scan.good_bytes));
  } else if (scan.good_bytes == 0) {
    GG_FUZZ_CHECK(report->removed_empty == 1);
    GG_FUZZ_CHECK(!sealed && !held);
  } else {
    GG_FUZZ_CHECK(report->sealed == 1);
    GG_FUZZ_CHECK(sealed && *sealed == input.substr(0, scan.good_bytes));
    GG_FUZZ_CHECK(report->torn == (scan.damage == segment_damage::torn_tail ? 1u : 0u));
    GG_FUZZ_CHECK(!held);
  }
  // Recovery is idempotent: a second pass finds nothing to do.
  auto again = recover_queue_dir(fs, dir, quarantine);
  GG_FUZZ_CHECK(again.has_value());
  GG_FUZZ_CHECK(again->sealed + again->quarantined + again->removed_empty == 0);
  return 0;
}
