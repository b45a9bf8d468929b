#pragma once
// Start-up recovery of a queue directory: every `.jsonl.open` segment left by a previous run is
// verified line by line, cut back to its last good line when only its tail is damaged, moved
// to quarantine whole when a bad line sits before good ones, and sealed otherwise.

#include <gadgetgrove/eventlog/file_system.hpp>

#include <cstdint>
#include <string>

namespace gg::eventlog {

struct recovery_report {
  std::uint64_t sealed = 0;         // `.open` segments sealed (after any cut)
  std::uint64_t torn = 0;           // segments whose torn tail was cut off
  std::uint64_t torn_bytes = 0;     // bytes cut off those tails
  std::uint64_t quarantined = 0;    // segments moved to the quarantine directory
  std::uint64_t removed_empty = 0;  // `.open` files with no good line, removed
  std::uint64_t next_seq = 0;       // one past the highest segment sequence number seen
};

/// Recovers `queue_dir` (which must exist); corrupt segments go to `quarantine_dir` (created on
/// demand; same file system). Logs every segment it changes. Blocks on fsyncs; call it before
/// any writer uses the directory. An error means the directory could not be read or a change
/// could not be made durable; the segments handled before it stay handled.
result<recovery_report> recover_queue_dir(file_system& fs, const std::string& queue_dir,
                                          const std::string& quarantine_dir);

}  // namespace gg::eventlog
