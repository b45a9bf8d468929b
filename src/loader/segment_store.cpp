#include <gadgetgrove/loader/segment_store.hpp>

#include <gadgetgrove/eventlog/segment_format.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace gg::loader {
namespace {

namespace fs = std::filesystem;

// mkdir -p through `fs`, fsyncing the directories above a new one up to `root` so its entry
// survives a crash. The existence check is a plain stat: a directory that exists costs no fsync.
status make_dirs(eventlog::file_system& fs, const fs::path& dir, const fs::path& root) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (auto st = fs.create_dirs(dir.string()); !st) return st;
  for (fs::path d = dir.parent_path();; d = d.parent_path()) {
    if (auto st = fs.sync_dir(d.empty() ? std::string{"."} : d.string()); !st) return st;
    if (d.empty() || d == root || !d.has_parent_path() || d.parent_path() == d) break;
  }
  return {};
}

std::string date_folder(sys_us t) {
  const auto days = std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
  const civil_date d = civil_from_days(days);
  char buf[16];
  const int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year), d.month, d.day);
  return std::string(buf, static_cast<std::size_t>(n));
}

sys_us mtime_of(const struct stat& st) noexcept {
  return sys_us{std::chrono::seconds{st.st_mtim.tv_sec} +
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::nanoseconds{st.st_mtim.tv_nsec})};
}

}  // namespace

std::string segment_ref::key() const {
  return node.empty() ? legacy_key() : queue + "/" + node + "/" + name;
}

std::string segment_ref::legacy_key() const { return queue + "/" + name; }

std::optional<sys_us> segment_time(std::string_view name) noexcept {
  const auto parsed = eventlog::parse_segment_name(name);
  if (!parsed) return std::nullopt;
  return parsed->first_event_time;
}

segment_store::segment_store(std::filesystem::path data_dir, std::vector<std::string> queues,
                             std::shared_ptr<eventlog::file_system> fs, std::string node)
    : data_dir_(std::move(data_dir)),
      queues_(std::move(queues)),
      fs_(std::move(fs)),
      node_(std::move(node)) {}

// rename(2) of `from` to `dir/name`; recreates `dir` once when a concurrent cleanup removed it
// between make_dirs and rename.
status segment_store::move_into(const fs::path& from, const fs::path& dir,
                                const std::string& name) const {
  const fs::path to = dir / name;
  for (int attempt = 0;; ++attempt) {
    if (auto st = make_dirs(*fs_, dir, data_dir_); !st) return st;
    auto renamed = fs_->rename(from.string(), to.string());
    if (renamed) break;
    const error e = renamed.error();  // result::error() returns a copy
    const bool missing = e.code == errc::not_found;
    if (missing && ::access(from.c_str(), F_OK) != 0) return {};  // moved already
    if (!missing || attempt > 0) return e;
  }
  if (auto st = fs_->sync_dir(dir.string()); !st) return st;
  return fs_->sync_dir(from.parent_path().string());
}

fs::path segment_store::log_dir(std::string_view queue) const { return data_dir_ / "log" / queue; }
fs::path segment_store::archive_dir(std::string_view queue) const {
  return data_dir_ / "archive" / queue;
}
fs::path segment_store::quarantine_dir(std::string_view queue) const {
  return data_dir_ / "quarantine" / queue;
}

status segment_store::prepare() const {
  for (const auto& q : queues_) {
    for (const auto& dir : {log_dir(q), archive_dir(q), quarantine_dir(q)}) {
      if (auto st = make_dirs(*fs_, dir, data_dir_); !st) return st;
    }
  }
  return {};
}

result<std::vector<segment_ref>> segment_store::pending() const {
  std::vector<segment_ref> out;
  for (const auto& q : queues_) {
    const fs::path dir = log_dir(q);
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory) continue;
      return fail(errc::io, "list " + dir.string() + ": " + ec.message(), true);
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) return fail(errc::io, "list " + dir.string() + ": " + ec.message(), true);
      std::string name = it->path().filename().string();
      if (name.size() <= eventlog::sealed_suffix.size() || !name.ends_with(eventlog::sealed_suffix))
        continue;
      struct stat st {};
      // A segment archived by another loader between readdir and stat is simply gone.
      if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      segment_ref ref;
      ref.queue = q;
      ref.path = it->path();
      ref.bytes = static_cast<std::uint64_t>(st.st_size);
      ref.first_event = segment_time(name).value_or(mtime_of(st));
      ref.name = std::move(name);
      ref.node = node_;
      out.push_back(std::move(ref));
    }
  }
  std::sort(out.begin(), out.end(), [](const segment_ref& a, const segment_ref& b) {
    return a.name != b.name ? a.name < b.name : a.queue < b.queue;
  });
  return out;
}

status segment_store::archive(const segment_ref& segment, sys_us now) const {
  const struct timespec times[2] = {
      {0, UTIME_OMIT},
      {static_cast<time_t>(
           std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count()),
       static_cast<long>((now.time_since_epoch().count() % 1'000'000) * 1000)}};
  if (::utimensat(AT_FDCWD, segment.path.c_str(), times, 0) != 0) {
    if (errno == ENOENT) return {};  // archived by another loader
    return from_errno("utimensat " + segment.path.string(), errno);
  }
  const sys_us day = segment_time(segment.name).value_or(now);
  return move_into(segment.path, archive_dir(segment.queue) / date_folder(day), segment.name);
}

status segment_store::quarantine(const segment_ref& segment) const {
  return move_into(segment.path, quarantine_dir(segment.queue), segment.name);
}

result<std::vector<queue_cleanup>> segment_store::cleanup(std::chrono::milliseconds retention,
                                                          sys_us now) const {
  std::vector<queue_cleanup> out;
  const sys_us cutoff = now - std::chrono::duration_cast<std::chrono::microseconds>(retention);
  for (const auto& q : queues_) {
    queue_cleanup& report = out.emplace_back();
    report.queue = q;
    if (retention.count() <= 0) continue;
    const fs::path root = archive_dir(q);
    std::error_code ec;
    fs::directory_iterator days(root, ec);
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory) continue;
      return fail(errc::io, "list " + root.string() + ": " + ec.message(), true);
    }
    std::vector<fs::path> day_dirs;
    for (; days != fs::directory_iterator(); days.increment(ec)) {
      if (ec) return fail(errc::io, "list " + root.string() + ": " + ec.message(), true);
      if (days->is_directory(ec)) day_dirs.push_back(days->path());
    }
    for (const auto& day : day_dirs) {
      bool emptied = true;
      fs::directory_iterator files(day, ec);
      if (ec) continue;  // removed concurrently
      for (; files != fs::directory_iterator(); files.increment(ec)) {
        if (ec) return fail(errc::io, "list " + day.string() + ": " + ec.message(), true);
        struct stat st {};
        if (::lstat(files->path().c_str(), &st) != 0) continue;
        if (!S_ISREG(st.st_mode) || mtime_of(st) >= cutoff) {
          emptied = false;
          continue;
        }
        if (::unlink(files->path().c_str()) != 0) {
          if (errno == ENOENT) continue;
          return from_errno("unlink " + files->path().string(), errno);
        }
        ++report.files;
        report.bytes += static_cast<std::uint64_t>(st.st_size);
      }
      // archive() recreates a folder removed under it (move_into), so this cannot lose a file.
      if (emptied) ::rmdir(day.c_str());
    }
  }
  return out;
}

}  // namespace gg::loader
