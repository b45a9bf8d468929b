#pragma once
// The loader's view of the data directory: sealed segments waiting in log/<queue>/, loaded ones
// in archive/<queue>/<yyyy-mm-dd>/, unloadable ones in quarantine/<queue>/.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/eventlog/file_system.hpp>
#include <gadgetgrove/eventlog/posix_file_system.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::loader {

/// One sealed segment file.
struct segment_ref {
  std::string queue;
  std::string name;            // "20261126T151911123456Z-00000001.jsonl"
  std::filesystem::path path;  // where it is now
  std::uint64_t bytes = 0;
  sys_us first_event{};  // from the name; the file's mtime when the name has no time
  /// The node whose log holds the file (--node-id); empty for a file that is the same
  /// whichever node loads it (a broker stream's batch).
  std::string node;

  /// The ledger key: "<queue>/<node>/<name>", or "<queue>/<name>" without a node. File names
  /// repeat across queues, and across nodes that share one warehouse.
  std::string key() const;
  /// "<queue>/<name>": the key a segment of a node's log had before nodes were named; a ledger
  /// row under it with this file's checksum means the file is loaded.
  std::string legacy_key() const;
};

/// Files and bytes one cleanup removed from one queue's archive.
struct queue_cleanup {
  std::string queue;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

/// The first-event time a segment file name encodes (eventlog::parse_segment_name), or nullopt
/// for a name the event log did not write.
std::optional<sys_us> segment_time(std::string_view name) noexcept;

/// File operations on the segment directories. Stateless apart from its paths, so concurrent
/// calls are safe; each call blocks on the file system. Every move is a rename(2) followed by
/// fsync of both directories, so a crash leaves the file in exactly one place. The durable steps
/// (mkdir, rename, directory fsync) go through `fs`, the event log's fault-injectable file
/// system; listing, stat and mtime stamping use the real one.
class segment_store {
 public:
  /// The segments pending() lists carry `node` (empty: unnamed, as a shipper needs them).
  segment_store(std::filesystem::path data_dir, std::vector<std::string> queues,
                std::shared_ptr<eventlog::file_system> fs = eventlog::posix_file_system::shared(),
                std::string node = {});

  /// Creates log/<queue>, archive/<queue> and quarantine/<queue> for every queue.
  status prepare() const;

  /// Every sealed segment (`*.jsonl`; `*.jsonl.open` is still being written) of every queue,
  /// ordered by name, i.e. by first-event time. A missing queue directory has none.
  result<std::vector<segment_ref>> pending() const;

  /// Moves a loaded segment to archive/<queue>/<yyyy-mm-dd of its first event>/ and stamps its
  /// mtime with `now` (retention counts from archiving). A segment already gone from log/ (moved
  /// by another loader) is not an error.
  status archive(const segment_ref& segment, sys_us now) const;

  /// Moves a segment that must not be loaded to quarantine/<queue>/.
  status quarantine(const segment_ref& segment) const;

  /// Deletes archived segments whose mtime is older than `now - retention`, then the date
  /// folders that became empty. A zero retention keeps everything. One entry per queue.
  result<std::vector<queue_cleanup>> cleanup(std::chrono::milliseconds retention, sys_us now) const;

  const std::filesystem::path& data_dir() const noexcept { return data_dir_; }
  const std::vector<std::string>& queues() const noexcept { return queues_; }
  std::filesystem::path log_dir(std::string_view queue) const;
  std::filesystem::path archive_dir(std::string_view queue) const;
  std::filesystem::path quarantine_dir(std::string_view queue) const;

 private:
  status move_into(const std::filesystem::path& from, const std::filesystem::path& dir,
                   const std::string& name) const;

  std::filesystem::path data_dir_;
  std::vector<std::string> queues_;
  std::shared_ptr<eventlog::file_system> fs_;
  std::string node_;
};

}  // namespace gg::loader
