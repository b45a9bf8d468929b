#include <gadgetgrove/eventlog/segment_recovery.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

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

}  // namespace

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
      if (auto st = fs.create_dirs(quarantine_dir); !st) return st.error();
      // The quarantine directories may be new: their entries must be durable too.
      const std::string quarantine_root = parent_path(quarantine_dir);
      for (const std::string& d : {quarantine_root, parent_path(quarantine_root)}) {
        if (auto st = fs.sync_dir(d); !st) return st.error();
      }
      const std::string target = join_path(quarantine_dir, name);
      if (auto st = fs.rename(path, target); !st) return st.error();
      if (auto st = fs.sync_dir(quarantine_dir); !st) return st.error();
      dir_changed = true;
      ++report.quarantined;
      log.error("corrupt segment moved to quarantine", {{"segment", path},
                                                        {"quarantined_as", target},
                                                        {"good_lines_before", scan.good_lines},
                                                        {"first_bad_offset", scan.good_bytes},
                                                        {"good_lines_after", scan.lines_after}});
      continue;
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
