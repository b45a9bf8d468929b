#include <gadgetgrove/core/json_escape.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include <gadgetgrove/core/utf8.hpp>

namespace gg {
namespace {

constexpr std::uint64_t broadcast(unsigned char c) noexcept { return 0x0101010101010101ULL * c; }

/// Non-zero when any byte of `w` needs attention: < 0x20, '"', '\\' or >= 0x80.
inline std::uint64_t needs_escape(std::uint64_t w) noexcept {
  constexpr std::uint64_t high = broadcast(0x80);
  const auto has_zero = [](std::uint64_t x) { return (x - broadcast(0x01)) & ~x & high; };
  const std::uint64_t below_space = (w - broadcast(0x20)) & ~w & high;
  return below_space | has_zero(w ^ broadcast('"')) | has_zero(w ^ broadcast('\\')) | (w & high);
}

inline std::uint64_t load8(const unsigned char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

/// Index of the first byte flagged by needs_escape(). The subtraction tricks can flag bytes
/// after a true hit (a borrow carries upwards), never before one, and on a little-endian
/// machine the lowest set bit is the first byte in memory.
inline std::size_t first_flagged(std::uint64_t mask) noexcept {
  static_assert(std::endian::native == std::endian::little);
  return static_cast<std::size_t>(std::countr_zero(mask)) / 8;
}

inline bool plain(unsigned char c) noexcept {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

constexpr char hex_digits[] = "0123456789abcdef";

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();

  // Most strings need no escaping at all: one scan, one append.
  const auto* const start = p;
  std::uint64_t mask = 0;
  while (end - p >= 8 && (mask = needs_escape(load8(p))) == 0) p += 8;
  if (mask != 0) {
    p += first_flagged(mask);
  } else {
    while (p < end && plain(*p)) ++p;
  }
  out.append(reinterpret_cast<const char*>(start), static_cast<std::size_t>(p - start));

  // The rest is written through a pointer into space sized for the worst case (six output
  // bytes per input byte), a bounded chunk at a time so huge inputs do not need six times
  // their size at once. The last UTF-8 sequence of a chunk may run up to 3 bytes past it.
  constexpr std::size_t chunk_size = 4096;
  while (p < end) {
    const auto* const chunk_end =
        p + std::min<std::size_t>(chunk_size, static_cast<std::size_t>(end - p));
    const std::size_t base = out.size();
    out.resize(base + 6 * (static_cast<std::size_t>(chunk_end - p) + 3));
    char* const first = out.data() + base;
    char* w = first;
    while (p < chunk_end) {
      if (chunk_end - p >= 8) {
        // Copying all eight bytes is harmless: the space is there, and whatever follows the
        // first flagged byte is overwritten next.
        const std::uint64_t word = load8(p);
        std::memcpy(w, &word, sizeof word);
        const std::uint64_t mask = needs_escape(word);
        if (mask == 0) {
          w += 8;
          p += 8;
          continue;
        }
        const std::size_t skip = first_flagged(mask);
        w += skip;
        p += skip;
      } else if (plain(*p)) {
        *w++ = static_cast<char>(*p++);
        continue;
      }
      const unsigned char c = *p;
      char short_escape = 0;
      switch (c) {
        case '"':
          short_escape = '"';
          break;
        case '\\':
          short_escape = '\\';
          break;
        case '\n':
          short_escape = 'n';
          break;
        case '\r':
          short_escape = 'r';
          break;
        case '\t':
          short_escape = 't';
          break;
        case '\b':
          short_escape = 'b';
          break;
        case '\f':
          short_escape = 'f';
          break;
        default:
          break;
      }
      if (short_escape != 0) {
        w[0] = '\\';
        w[1] = short_escape;
        w += 2;
        ++p;
      } else if (c < 0x20) {
        const char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
        std::memcpy(w, esc, sizeof esc);
        w += sizeof esc;
        ++p;
      } else {
        const utf8_step step = utf8_next(p, end);
        if (step.valid) {
          std::memcpy(w, p, step.length);
          w += step.length;
        } else {
          std::memcpy(w, "\\ufffd", 6);
          w += 6;
        }
        p += step.length;
      }
    }
    out.resize(base + static_cast<std::size_t>(w - first));
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

}  // namespace gg
