#include "fault_file_system.hpp"

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

namespace gg::eventlog {

namespace {

error errno_error(std::string_view op, const std::string& path, int err) {
  std::string what;
  what.reserve(op.size() + 1 + path.size());
  what.append(op).append(" ").append(path);
  return gg::from_errno(what, err);
}

std::string normalise_dir(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return std::string(dir);
}

}  // namespace

class fault_file_system::file final : public writable_file {
 public:
  file(fault_file_system& fs, std::shared_ptr<node> n, std::string path, std::uint64_t generation)
      : fs_(fs), node_(std::move(n)), path_(std::move(path)), generation_(generation) {}

  result<std::size_t> writev(std::span<const ::iovec> iov) override {
    if (closed_) return errno_error("write", path_, EBADF);
    return fs_.append(node_, generation_, path_, iov);
  }
  status sync() override {
    if (closed_) return errno_error("fdatasync", path_, EBADF);
    return fs_.sync_file(node_, generation_, path_);
  }
  status truncate(std::uint64_t size) override {
    if (closed_) return errno_error("ftruncate", path_, EBADF);
    return fs_.truncate_file(node_, generation_, path_, size);
  }
  result<std::uint64_t> size() override {
    std::lock_guard lock(fs_.mu_);
    if (auto st = fs_.check_alive(generation_, "fstat", path_); !st) return st.error();
    return static_cast<std::uint64_t>(node_->data.size());
  }
  status close() override {
    closed_ = true;
    return {};
  }

 private:
  fault_file_system& fs_;
  std::shared_ptr<node> node_;
  std::string path_;
  std::uint64_t generation_;
  bool closed_ = false;
};

fault_file_system::fault_file_system() { dirs_.insert("/"); }
fault_file_system::~fault_file_system() = default;

status fault_file_system::check_alive(std::uint64_t generation, std::string_view op,
                                      const std::string& path) const {
  if (crashed_ || generation != generation_) return errno_error(op, path, EIO);
  return {};
}

void fault_file_system::notify(std::string_view op, const std::string& path) {
  std::function<void(std::string_view, const std::string&)> observer;
  {
    std::lock_guard lock(mu_);
    observer = observer_;
  }
  if (observer) observer(op, path);
}

result<std::unique_ptr<writable_file>> fault_file_system::open_append(const std::string& path) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "open", path); !st) return st.error();
  if (dirs_.count(parent_path(path)) == 0) return errno_error("open", path, ENOENT);
  auto& slot = files_[path];
  if (!slot) slot = std::make_shared<node>();
  return std::unique_ptr<writable_file>(new file(*this, slot, path, generation_));
}

result<std::size_t> fault_file_system::append(const std::shared_ptr<node>& n,
                                              std::uint64_t generation, const std::string& path,
                                              std::span<const ::iovec> iov) {
  std::size_t stored = 0;
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation, "write", path); !st) return st.error();
    ++write_calls_;
    std::size_t total = 0;
    for (const auto& v : iov) total += v.iov_len;
    std::size_t allowed = total;
    if (write_fault_count_ > 0) {
      if (write_fault_partial_ > 0 && !write_fault_partial_done_) {
        write_fault_partial_done_ = true;
        allowed = std::min(allowed, write_fault_partial_);
      } else {
        --write_fault_count_;
        write_fault_partial_done_ = false;
        return errno_error("write", path, write_fault_errno_);
      }
    }
    if (short_writes_ && allowed > 1) allowed /= 2;
    if (capacity_) {
      std::uint64_t used = 0;
      for (const auto& [p, f] : files_) used += f->data.size();
      const std::uint64_t room = used >= *capacity_ ? 0 : *capacity_ - used;
      if (room == 0 && allowed > 0) return errno_error("write", path, ENOSPC);
      allowed = static_cast<std::size_t>(std::min<std::uint64_t>(allowed, room));
    }
    for (const auto& v : iov) {
      if (stored == allowed) break;
      const std::size_t take = std::min(v.iov_len, allowed - stored);
      n->data.append(static_cast<const char*>(v.iov_base), take);
      stored += take;
    }
  }
  notify("write", path);
  return stored;
}

status fault_file_system::sync_file(const std::shared_ptr<node>& n, std::uint64_t generation,
                                    const std::string& path) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation, "fdatasync", path); !st) return st.error();
    ++sync_calls_;
    delay = sync_delay_;
  }
  notify("fdatasync:begin", path);
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation, "fdatasync", path); !st) return st.error();
    if (sync_fault_count_ > 0) {
      --sync_fault_count_;
      return errno_error("fdatasync", path, sync_fault_errno_);
    }
    n->synced = n->data.size();
  }
  notify("fdatasync:end", path);
  return {};
}

status fault_file_system::truncate_file(const std::shared_ptr<node>& n, std::uint64_t generation,
                                        const std::string& path, std::uint64_t size) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation, "ftruncate", path); !st) return st.error();
  n->data.resize(static_cast<std::size_t>(size), '\0');
  n->synced = std::min<std::size_t>(n->synced, static_cast<std::size_t>(size));
  return {};
}

result<std::string> fault_file_system::read_file(const std::string& path) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "read", path); !st) return st.error();
  const auto it = files_.find(path);
  if (it == files_.end()) return errno_error("open", path, ENOENT);
  return it->second->data;
}

result<std::vector<std::string>> fault_file_system::list_dir(const std::string& dir) {
  const std::string d = normalise_dir(dir);
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "opendir", d); !st) return st.error();
  if (dirs_.count(d) == 0) return errno_error("opendir", d, ENOENT);
  std::vector<std::string> names;
  for (const auto& [path, n] : files_) {
    if (parent_path(path) == d) names.push_back(path.substr(path.rfind('/') + 1));
  }
  return names;
}

status fault_file_system::create_dirs(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "mkdir", dir); !st) return st.error();
  for (std::string d = normalise_dir(dir); dirs_.insert(d).second && d != "/" && d != ".";
       d = parent_path(d)) {
  }
  return {};
}

status fault_file_system::sync_dir(const std::string& dir) {
  const std::string d = normalise_dir(dir);
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation_, "fsync", d); !st) return st.error();
    if (dirs_.count(d) == 0) return errno_error("open", d, ENOENT);
    if (dir_sync_fault_count_ > 0) {
      --dir_sync_fault_count_;
      return errno_error("fsync", d, dir_sync_fault_errno_);
    }
    std::erase_if(durable_files_, [&](const auto& e) { return parent_path(e.first) == d; });
    for (const auto& [path, n] : files_) {
      if (parent_path(path) == d) durable_files_[path] = n;
    }
  }
  notify("sync_dir", d);
  return {};
}

status fault_file_system::rename(const std::string& from, const std::string& to) {
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation_, "rename", from); !st) return st.error();
    const auto it = files_.find(from);
    if (it == files_.end()) return errno_error("rename", from, ENOENT);
    if (dirs_.count(parent_path(to)) == 0) return errno_error("rename", to, ENOENT);
    auto n = it->second;
    files_.erase(it);
    files_[to] = std::move(n);
  }
  notify("rename", to);
  return {};
}

status fault_file_system::truncate(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "truncate", path); !st) return st.error();
  const auto it = files_.find(path);
  if (it == files_.end()) return errno_error("truncate", path, ENOENT);
  it->second->data.resize(static_cast<std::size_t>(size), '\0');
  it->second->synced = std::min<std::size_t>(it->second->synced, static_cast<std::size_t>(size));
  return {};
}

status fault_file_system::unlink(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (auto st = check_alive(generation_, "unlink", path); !st) return st.error();
    if (files_.erase(path) == 0) return errno_error("unlink", path, ENOENT);
  }
  notify("unlink", path);
  return {};
}

result<std::uint64_t> fault_file_system::available_bytes(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (auto st = check_alive(generation_, "statvfs", dir); !st) return st.error();
  if (!capacity_) return std::uint64_t{1} << 40;
  std::uint64_t used = 0;
  for (const auto& [p, f] : files_) used += f->data.size();
  return used >= *capacity_ ? 0 : *capacity_ - used;
}

void fault_file_system::fail_next_writes(int err, int count, std::size_t partial_bytes) {
  std::lock_guard lock(mu_);
  write_fault_errno_ = err;
  write_fault_count_ = count;
  write_fault_partial_ = partial_bytes;
  write_fault_partial_done_ = false;
}

void fault_file_system::fail_next_syncs(int err, int count) {
  std::lock_guard lock(mu_);
  sync_fault_errno_ = err;
  sync_fault_count_ = count;
}

void fault_file_system::fail_next_dir_syncs(int err, int count) {
  std::lock_guard lock(mu_);
  dir_sync_fault_errno_ = err;
  dir_sync_fault_count_ = count;
}

void fault_file_system::set_capacity(std::optional<std::uint64_t> bytes) {
  std::lock_guard lock(mu_);
  capacity_ = bytes;
}

void fault_file_system::set_short_writes(bool on) {
  std::lock_guard lock(mu_);
  short_writes_ = on;
}

void fault_file_system::set_sync_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  sync_delay_ = delay;
}

void fault_file_system::set_observer(
    std::function<void(std::string_view op, const std::string& path)> observer) {
  std::lock_guard lock(mu_);
  observer_ = std::move(observer);
}

void fault_file_system::crash() {
  std::lock_guard lock(mu_);
  files_ = durable_files_;
  for (auto& [path, n] : files_) n->data.resize(n->synced);
  ++generation_;
  crashed_ = true;
}

void fault_file_system::reboot() {
  std::lock_guard lock(mu_);
  crashed_ = false;
}

std::optional<std::string> fault_file_system::contents(const std::string& path) const {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second->data;
}

void fault_file_system::put(const std::string& path, std::string data) {
  std::lock_guard lock(mu_);
  for (std::string d = parent_path(path); dirs_.insert(d).second && d != "/" && d != ".";
       d = parent_path(d)) {
  }
  auto n = std::make_shared<node>();
  n->data = std::move(data);
  n->synced = n->data.size();
  files_[path] = n;
  durable_files_[path] = std::move(n);
}

std::vector<std::string> fault_file_system::files() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(files_.size());
  for (const auto& [path, n] : files_) out.push_back(path);
  return out;
}

std::uint64_t fault_file_system::used_bytes() const {
  std::lock_guard lock(mu_);
  std::uint64_t used = 0;
  for (const auto& [p, f] : files_) used += f->data.size();
  return used;
}

std::uint64_t fault_file_system::write_calls() const {
  std::lock_guard lock(mu_);
  return write_calls_;
}

std::uint64_t fault_file_system::sync_calls() const {
  std::lock_guard lock(mu_);
  return sync_calls_;
}

}  // namespace gg::eventlog
