#include "segment_reader.hpp"

#include "line_parser.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace gg::loader {

struct segment_reader::impl {
  int fd = -1;
  std::vector<char> buffer;  // capacity() + line_padding bytes, so every line is padded
  std::size_t capacity = 0;
  std::size_t begin = 0;  // first byte not yet returned
  std::size_t end = 0;    // one past the last byte read
  bool eof = false;
  std::uint64_t line_number = 0;
  std::uint64_t bytes = 0;
  XXH3_state_t* hash = nullptr;
  std::string path;

  ~impl() {
    if (fd >= 0) ::close(fd);
    if (hash != nullptr) XXH3_freeState(hash);
  }

  void resize(std::size_t new_capacity) {
    capacity = new_capacity;
    buffer.resize(capacity + line_padding);
  }

  // Moves the unreturned bytes to the front (growing when a single line fills the buffer),
  // then reads until the buffer is full or the file ends.
  status fill() {
    if (begin > 0) {
      std::memmove(buffer.data(), buffer.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == capacity) resize(capacity * 2);
    while (end < capacity) {
      const ssize_t n = ::read(fd, buffer.data() + end, capacity - end);
      if (n < 0) {
        if (errno == EINTR) continue;
        return from_errno("read " + path, errno);
      }
      if (n == 0) {
        eof = true;
        break;
      }
      XXH3_64bits_update(hash, buffer.data() + end, static_cast<std::size_t>(n));
      end += static_cast<std::size_t>(n);
      bytes += static_cast<std::uint64_t>(n);
    }
    return {};
  }
};

segment_reader::segment_reader(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
segment_reader::segment_reader(segment_reader&&) noexcept = default;
segment_reader& segment_reader::operator=(segment_reader&&) noexcept = default;
segment_reader::~segment_reader() = default;

result<segment_reader> segment_reader::open(const std::filesystem::path& path,
                                            std::size_t chunk_bytes) {
  auto p = std::make_unique<impl>();
  p->path = path.string();
  p->fd = ::open(p->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (p->fd < 0) {
    const int err = errno;
    error e = from_errno("open " + p->path, err);
    if (err == ENOENT) e.code = errc::not_found;
    return e;
  }
  ::posix_fadvise(p->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  p->hash = XXH3_createState();
  if (p->hash == nullptr) return fail(errc::internal, "XXH3_createState failed");
  XXH3_64bits_reset(p->hash);
  p->resize(chunk_bytes < 4096 ? 4096 : chunk_bytes);
  return segment_reader{std::move(p)};
}

result<std::optional<segment_line>> segment_reader::next() {
  impl& s = *impl_;
  for (;;) {
    const char* start = s.buffer.data() + s.begin;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', s.end - s.begin));
    if (nl != nullptr) {
      const auto size = static_cast<std::size_t>(nl - start);
      s.begin += size + 1;
      return segment_line{std::string_view{start, size}, true, ++s.line_number};
    }
    if (s.eof) {
      if (s.begin == s.end) return std::optional<segment_line>{};
      const std::size_t size = s.end - s.begin;
      s.begin = s.end;
      return segment_line{std::string_view{start, size}, false, ++s.line_number};
    }
    if (auto st = s.fill(); !st) return st.error();
  }
}

std::uint64_t segment_reader::bytes_read() const noexcept { return impl_->bytes; }

std::uint64_t segment_reader::checksum() const noexcept { return XXH3_64bits_digest(impl_->hash); }

}  // namespace gg::loader
