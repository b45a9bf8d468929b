#pragma once
// Start-up recovery of a queue directory: every `.jsonl.open` segment left by a previous run is
// verified line by line, cut back to its last good line when only its tail is damaged, and
// sealed. When a bad line sits before good ones, the bytes from the bad line on are moved to
// quarantine first and the good lines before it are sealed all the same.

#include <gadgetgrove/eventlog/file_system.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace gg::eventlog {

struct recovery_report {
  std::uint64_t sealed = 0;             // `.open` segments sealed (after any cut)
  std::uint64_t torn = 0;               // segments whose torn tail was cut off
  std::uint64_t torn_bytes = 0;         // bytes cut off those tails
  std::uint64_t quarantined = 0;        // segments whose corrupt part went to quarantine
  std::uint64_t quarantined_bytes = 0;  // bytes of those parts
  std::uint64_t removed_empty = 0;      // `.open` files with no good line, removed
  std::uint64_t next_seq = 0;           // one past the highest segment sequence number seen
};

/// The name in quarantine of bytes [begin, end) of the segment `open_name`:
/// `<first-event-time>-<seq>.jsonl.bytes-<begin>-<end>`.
std::string quarantine_name(std::string_view open_name, std::uint64_t begin, std::uint64_t end);

/// Recovers `queue_dir` (which must exist); the corrupt part of a segment goes to
/// `quarantine_dir` (created on demand). Logs every segment it changes. Blocks on fsyncs; call it
/// before any writer uses the directory. An error means the directory could not be read or a change
/// could not be made durable; the segments handled before it stay handled.
result<recovery_report> recover_queue_dir(file_system& fs, const std::string& queue_dir,
                                          const std::string& quarantine_dir);

}  // namespace gg::eventlog
