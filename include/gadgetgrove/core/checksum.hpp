#pragma once
// The 64-bit checksum used by on-disk formats (XXH3, seed 0) and its fixed-width hex form.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gg {

/// XXH3_64bits of `data` with seed 0.
std::uint64_t checksum64(std::string_view data) noexcept;

/// Writes `v` as exactly 16 lower-case hex digits (no terminator) to `out16`.
void write_hex16(std::uint64_t v, char* out16) noexcept;

/// Parses exactly 16 hex digits (either case); false on anything else.
bool parse_hex16(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace gg
