#include "segment_recovery.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include <fmt/format.h>

#include <sys/uio.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace gg::eventlog {

namespace {

const gg::logger log{"eventlog"};

status sync_file(file_system& fs, const std::string& path) {
  auto file = fs.open_append(path);
  if (!file) return file.error();
  auto st = (*file)->sync();
  (void)(*file)->close();
  return st;
}

// Writes `bytes` to `target` in `quarantine_dir` (created on demand) durably: a temporary file,
// synced, renamed into place, the directory synced. Repeating it after a crash gives the same
// file, so recovery can simply run again.
status write_quarantine_piece(file_system& fs, const std::string& quarantine_dir,
                              const std::string& target, std::string_view bytes) {
  if (auto st = fs.create_dirs(quarantine_dir); !st) return st;
  // The quarantine directories may be new: their entries must be durable too.
  const std::string quarantine_root = parent_path(quarantine_dir);
  for (const std::string& d : {quarantine_root, parent_path(quarantine_root)}) {
    if (auto st = fs.sync_dir(d); !st) return st;
  }
  const std::string tmp = target + ".tmp";
  auto file = fs.open_append(tmp);
  if (!file) return file.error();
  // A crashed earlier attempt may have left part of the piece behind.
  if (auto st = (*file)->truncate(0); !st) return st;
  while (!bytes.empty()) {
    const ::iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    auto n = (*file)->writev(std::span<const ::iovec>(&iov, 1));
    if (!n) return n.error();
    bytes.remove_prefix(*n);
  }
  if (auto st = (*file)->sync(); !st) return st;
  if (auto st = (*file)->close(); !st) return st;
  if (auto st = fs.rename(tmp, target); !st) return st;
  return fs.sync_dir(quarantine_dir);
}

}  // namespace

std::string quarantine_name(std::string_view open_name, std::uint64_t begin, std::uint64_t end) {
  std::string_view stem = open_name;
  if (stem.ends_with(open_suffix)) stem.remove_suffix(open_suffix.size());
  if (stem.ends_with(sealed_suffix)) stem.remove_suffix(sealed_suffix.size());
  return fmt::format("{}{}.bytes-{}-{}", stem, sealed_suffix, begin, end);
}

result<recovery_report> recover_queue_dir(file_system& fs, const std::string& queue_dir,
                                          const std::string& quarantine_dir) {
  recovery_report report;
  auto names = fs.list_dir(queue_dir);
  if (!names) return names.error();
  std::sort(names->begin(), names->end());

  std::vector<std::string> open_names;
  for (const auto& name : *names) {
    const auto parsed = parse_segment_name(name);
    if (!parsed) continue;
    report.next_seq = std::max(report.next_seq, parsed->seq + 1);
    if (parsed->open) open_names.push_back(name);
  }

  bool dir_changed = false;
  for (const auto& name : open_names) {
    const std::string path = join_path(queue_dir, name);
    auto data = fs.read_file(path);
    if (!data) return data.error();
    const segment_scan scan = scan_segment(*data);

    if (scan.damage == segment_damage::corrupt) {
      // The lines before the first bad one were acknowledged and are intact: they are sealed
      // below like any segment. Only the bytes from the first bad line on are set aside, and
      // they are durable in quarantine before the segment is cut back.
      const std::uint64_t begin = scan.good_bytes;
      const std::uint64_t end = data->size();
      const std::string target = join_path(quarantine_dir, quarantine_name(name, begin, end));
      if (auto st = write_quarantine_piece(fs, quarantine_dir, target,
                                           std::string_view{*data}.substr(begin));
          !st) {
        return st.error();
      }
      ++report.quarantined;
      report.quarantined_bytes += end - begin;
      log.error("corrupt part of a segment moved to quarantine",
                {{"segment", path},
                 {"quarantined_as", target},
                 {"byte_range", fmt::format("[{}, {})", begin, end)},
                 {"quarantined_bytes", end - begin},
                 {"good_lines_before", scan.good_lines},
                 {"good_lines_after", scan.lines_after}});
      if (begin == 0) {
        if (auto st = fs.unlink(path); !st) return st.error();
        dir_changed = true;
        continue;
      }
      if (auto st = fs.truncate(path, begin); !st) return st.error();
    }

    if (scan.good_bytes == 0) {
      if (auto st = fs.unlink(path); !st) return st.error();
      dir_changed = true;
      ++report.removed_empty;
      if (!data->empty()) {
        ++report.torn;
        report.torn_bytes += data->size();
      }
      log.warn("segment without a complete line removed",
               {{"segment", path}, {"bytes", static_cast<std::uint64_t>(data->size())}});
      continue;
    }

    if (scan.damage == segment_damage::torn_tail) {
      const std::uint64_t cut = data->size() - scan.good_bytes;
      if (auto st = fs.truncate(path, scan.good_bytes); !st) return st.error();
      ++report.torn;
      report.torn_bytes += cut;
      log.warn("torn tail cut off segment",
               {{"segment", path}, {"kept_lines", scan.good_lines}, {"cut_bytes", cut}});
    }
    // The previous process may have died before its last fdatasync: sync before sealing.
    if (auto st = sync_file(fs, path); !st) return st.error();
    const std::string sealed =
        path.substr(0, path.size() - open_suffix.size()) + std::string(sealed_suffix);
    if (auto st = fs.rename(path, sealed); !st) return st.error();
    dir_changed = true;
    ++report.sealed;
    log.info("segment recovered and sealed", {{"segment", sealed}, {"lines", scan.good_lines}});
  }

  if (dir_changed) {
    if (auto st = fs.sync_dir(queue_dir); !st) return st.error();
  }
  return report;
}

}  // namespace gg::eventlog
