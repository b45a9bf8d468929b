#include <gadgetgrove/core/random.hpp>

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace gg {
namespace {

/// The fallback when getrandom(2) is missing (ENOSYS, e.g. under an old seccomp profile).
bool read_urandom(std::uint8_t* p, std::size_t n) noexcept {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  while (n > 0) {
    const ssize_t got = ::read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ::close(fd);
      return false;
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  ::close(fd);
  return true;
}

[[noreturn]] void random_unavailable() noexcept {
  constexpr std::string_view msg = "gadgetgrove: no source of secure random bytes; aborting\n";
  [[maybe_unused]] const ssize_t ignored = ::write(2, msg.data(), msg.size());
  std::abort();
}

}  // namespace

void secure_random(std::span<std::uint8_t> out) noexcept {
  std::uint8_t* p = out.data();
  std::size_t n = out.size();
  while (n > 0) {
    const ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOSYS && read_urandom(p, n)) return;
      random_unavailable();
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

void append_base64url(std::string& out, std::span<const std::uint8_t> data) {
  constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  out.reserve(out.size() + (data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    const char quad[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
                          alphabet[v & 63]};
    out.append(quad, 4);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(alphabet[v >> 18]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
  }
}

std::string random_token_urlsafe(std::size_t nbytes) {
  std::array<std::uint8_t, 64> stack{};
  std::string heap;
  std::span<std::uint8_t> buf;
  if (nbytes <= stack.size()) {
    buf = std::span<std::uint8_t>(stack.data(), nbytes);
  } else {
    heap.resize(nbytes);
    buf = std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(heap.data()), nbytes);
  }
  secure_random(buf);
  std::string token;
  append_base64url(token, buf);
  return token;
}

}  // namespace gg
