#include <gadgetgrove/core/uuid.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>

#include <gadgetgrove/core/random.hpp>

#include <gadgetgrove/core/prng.hpp>

namespace gg {
namespace {

// Bumped in every forked child so per-thread generators reseed instead of repeating the
// parent's sequence.
std::atomic<std::uint32_t> fork_generation{0};

void on_fork_child() noexcept { fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t thread_random() noexcept {
  static const int atfork_status = ::pthread_atfork(nullptr, nullptr, on_fork_child);
  (void)atfork_status;
  thread_local prng gen = prng::from_entropy();
  thread_local std::uint32_t generation = fork_generation.load(std::memory_order_relaxed);
  const std::uint32_t current = fork_generation.load(std::memory_order_relaxed);
  if (generation != current) {
    gen = prng::from_entropy();
    generation = current;
  }
  return gen.next();
}

// The last (48-bit milliseconds << 12 | 12-bit sequence) handed out by uuid_v7(); the CAS in
// uuid_v7() keeps it strictly increasing across threads.
std::atomic<std::uint64_t> last_v7_prefix{0};

constexpr signed char hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<signed char>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<signed char>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<signed char>(c - 'A' + 10);
  return -1;
}

constexpr bool is_dash_position(std::size_t i) noexcept {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

void uuid::write(char* out36) const noexcept {
  constexpr char digits[] = "0123456789abcdef";
  char* p = out36;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = digits[bytes[i] >> 4];
    *p++ = digits[bytes[i] & 0xF];
  }
}

std::string uuid::to_string() const {
  std::string s(uuid_text_size, '\0');
  write(s.data());
  return s;
}

uuid uuid_v7() noexcept {
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  const std::uint64_t r1 = thread_random();
  const std::uint64_t r2 = thread_random();
  // A new millisecond starts its sequence at a random value in the lower half of the 12-bit
  // range: unpredictable, yet with room for 2048 more identifiers before carrying.
  const std::uint64_t fresh = ((ms & 0xFFFF'FFFF'FFFFULL) << 12) | (r1 & 0x7FF);
  std::uint64_t prev = last_v7_prefix.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    next = fresh > prev ? fresh : prev + 1;
  } while (!last_v7_prefix.compare_exchange_weak(prev, next, std::memory_order_relaxed));

  uuid u;
  const std::uint64_t ts = next >> 12;
  const std::uint64_t seq = next & 0xFFF;
  for (int i = 0; i < 6; ++i) u.bytes[i] = static_cast<std::uint8_t>(ts >> (40 - 8 * i));
  u.bytes[6] = static_cast<std::uint8_t>(0x70 | (seq >> 8));
  u.bytes[7] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 8; ++i) u.bytes[8 + i] = static_cast<std::uint8_t>(r2 >> (56 - 8 * i));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

uuid uuid_v4() noexcept {
  uuid u;
  secure_random(u.bytes);
  u.bytes[6] = static_cast<std::uint8_t>(0x40 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

uuid uuid_v4_from_bits(std::uint64_t hi, std::uint64_t lo) noexcept {
  uuid u;
  for (int i = 0; i < 8; ++i) {
    u.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    u.bytes[static_cast<std::size_t>(i + 8)] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  u.bytes[6] = static_cast<std::uint8_t>(0x40 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

std::optional<uuid> parse_uuid(std::string_view text) noexcept {
  if (text.size() != uuid_text_size) return std::nullopt;
  uuid u;
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (is_dash_position(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const signed char hi = hex_value(text[i]);
    const signed char lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[out++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  return u;
}

}  // namespace gg
