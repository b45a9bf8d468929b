#include <gadgetgrove/eventlog/segment_writer.hpp>

#include <climits>
#include <utility>

namespace gg::eventlog {

segment_writer::segment_writer(file_system& fs, std::string dir, std::uint64_t next_seq,
                               segment_writer_options options)
    : fs_(fs), dir_(std::move(dir)), options_(options), next_seq_(next_seq) {}

segment_writer::~segment_writer() {
  if (file_) (void)file_->close();
}

std::optional<segment_writer::clock::time_point> segment_writer::age_deadline() const noexcept {
  if (!file_) return std::nullopt;
  return opened_at_ + options_.rotate_age;
}

bool segment_writer::due_for_seal(clock::time_point now) const noexcept {
  return file_ && size_ > 0 &&
         (size_ >= options_.rotate_bytes || now >= opened_at_ + options_.rotate_age);
}

status segment_writer::append(std::span<const ::iovec> lines, std::uint64_t bytes,
                              clock::time_point now) {
  if (failed_) return gg::fail(errc::io, "segment writer for " + dir_ + " awaits repair", true);
  if (lines.empty()) return {};
  if (file_ && size_ > 0 && size_ + bytes > options_.rotate_bytes) {
    if (auto st = seal(); !st) return st;
  }
  if (!file_) {
    if (auto st = open_segment(now); !st) return st;
  }
  if (auto st = write_all(lines); !st) {
    fail_and_cut_back();
    return st;
  }
  return {};
}

status segment_writer::write_all(std::span<const ::iovec> lines) {
  constexpr std::size_t max_iov = IOV_MAX;
  std::size_t index = 0;
  std::size_t offset = 0;  // bytes of lines[index] already written
  while (index < lines.size()) {
    scratch_.clear();
    for (std::size_t i = index; i < lines.size() && scratch_.size() < max_iov; ++i) {
      ::iovec v = lines[i];
      if (i == index) {
        v.iov_base = static_cast<char*>(v.iov_base) + offset;
        v.iov_len -= offset;
      }
      scratch_.push_back(v);
    }
    auto written = file_->writev(scratch_);
    if (!written) return written.error();
    std::size_t n = *written;
    if (n == 0) return gg::fail(errc::io, "write " + active_path_ + ": wrote nothing", true);
    size_ += n;
    while (n > 0) {
      const std::size_t left = lines[index].iov_len - offset;
      if (n >= left) {
        n -= left;
        ++index;
        offset = 0;
      } else {
        offset += n;
        n = 0;
      }
    }
  }
  return {};
}

void segment_writer::fail_and_cut_back() {
  failed_ = true;
  // Best effort now; repair() insists. Either way the bytes past the last sync are not counted.
  if (file_) (void)file_->truncate(synced_size_);
  size_ = synced_size_;
}

status segment_writer::sync() {
  if (failed_) return gg::fail(errc::io, "segment writer for " + dir_ + " awaits repair", true);
  if (!file_ || size_ == synced_size_) return {};
  if (auto st = file_->sync(); !st) {
    fail_and_cut_back();
    return st;
  }
  synced_size_ = size_;
  return {};
}

status segment_writer::open_segment(clock::time_point now) {
  // Names must sort in creation order even if the wall clock steps back.
  sys_us t = now_us();
  if (t <= last_name_time_) t = last_name_time_ + std::chrono::microseconds{1};
  last_name_time_ = t;
  std::string name = format_segment_name({t, next_seq_++, true});
  std::string path = join_path(dir_, name);
  auto file = fs_.open_append(path);
  if (!file) return file.error();
  // The directory entry must be durable before any byte in the file is acknowledged.
  if (auto st = fs_.sync_dir(dir_); !st) {
    (void)(*file)->close();
    (void)fs_.unlink(path);
    return st;
  }
  file_ = std::move(*file);
  active_name_ = std::move(name);
  active_path_ = std::move(path);
  size_ = 0;
  synced_size_ = 0;
  opened_at_ = now;
  return {};
}

status segment_writer::seal() {
  if (failed_) return gg::fail(errc::io, "segment writer for " + dir_ + " awaits repair", true);
  if (!file_) return {};
  if (auto st = sync(); !st) return st;
  (void)file_->close();  // the bytes are synced; a close error cannot lose them
  file_.reset();
  pending_seal_from_ = std::move(active_path_);
  active_path_.clear();
  active_name_.clear();
  const bool empty = size_ == 0;
  size_ = 0;
  synced_size_ = 0;
  if (empty) {
    // Nothing reached this file (its only write failed): remove it rather than seal it. Should
    // the unlink fail too, start-up recovery removes the empty file.
    (void)fs_.unlink(pending_seal_from_);
    pending_seal_to_.clear();
    pending_rename_ = false;
  } else {
    pending_seal_to_ =
        pending_seal_from_.substr(0, pending_seal_from_.size() - open_suffix.size()) +
        std::string(sealed_suffix);
    pending_rename_ = true;
  }
  seal_pending_ = true;
  return finish_seal();
}

status segment_writer::finish_seal() {
  if (pending_rename_) {
    if (auto st = fs_.rename(pending_seal_from_, pending_seal_to_); !st) {
      failed_ = true;
      return st;
    }
    pending_rename_ = false;
  }
  if (auto st = fs_.sync_dir(dir_); !st) {
    failed_ = true;
    return st;
  }
  if (!pending_seal_to_.empty()) ++segments_sealed_;
  seal_pending_ = false;
  pending_seal_from_.clear();
  pending_seal_to_.clear();
  failed_ = false;
  return {};
}

status segment_writer::repair() {
  if (seal_pending_) return finish_seal();
  if (!failed_) return {};
  if (file_) {
    if (auto st = file_->truncate(synced_size_); !st) return st;
    if (auto st = file_->sync(); !st) return st;
    size_ = synced_size_;
  }
  failed_ = false;
  return {};
}

}  // namespace gg::eventlog
