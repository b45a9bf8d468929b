#pragma once
// RFC 9562 UUIDs: time-ordered version 7 for identifiers that are sorted or indexed, random
// version 4 for everything else, and the canonical 36-character text form.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gg {

/// A 128-bit UUID in network byte order; compares like its canonical text.
struct uuid {
  std::array<std::uint8_t, 16> bytes{};

  /// The canonical lower-case form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
  std::string to_string() const;
  /// Writes exactly uuid_text_size bytes (no terminator) to `out36`.
  void write(char* out36) const noexcept;
  /// The version nibble (7 for uuid_v7(), 4 for uuid_v4()).
  unsigned version() const noexcept { return bytes[6] >> 4; }

  friend bool operator==(const uuid&, const uuid&) = default;
  friend auto operator<=>(const uuid&, const uuid&) = default;
};

inline constexpr std::size_t uuid_text_size = 36;

/// A version 7 UUID: 48-bit Unix milliseconds, then a 12-bit sequence, then 62 random bits.
/// Thread-safe and strictly increasing within the process, across all threads (when many are
/// made in one millisecond the sequence carries into the timestamp). Does not block.
uuid uuid_v7() noexcept;

/// A version 4 UUID from 122 bits of the kernel's CSPRNG.
uuid uuid_v4() noexcept;

/// A version 4 UUID whose 122 free bits come from `hi` and `lo` (big-endian; the version and
/// variant bits are overwritten): reproducible ids drawn from a seeded gg::prng.
uuid uuid_v4_from_bits(std::uint64_t hi, std::uint64_t lo) noexcept;

/// Parses the canonical 8-4-4-4-12 hex form, either case; nullopt on anything else.
std::optional<uuid> parse_uuid(std::string_view text) noexcept;

}  // namespace gg
