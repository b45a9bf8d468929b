#pragma once
// The one reading of a JSON number token in the program: RFC 8259's grammar plus the range
// PostgreSQL's jsonb can store. Ingest refuses what fails it before acknowledging an event;
// the loader checks it again as a second guard before COPY.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gg {

/// jsonb hands every number to numeric_in, which refuses an exponent beyond +-1000
/// (NUMERIC_MAX_PRECISION) and more than 16383 digits after the point (NUMERIC_DSCALE_MAX); a
/// token of at most 15000 bytes with such an exponent always fits.
inline constexpr long json_number_max_exponent = 1000;
inline constexpr std::size_t json_number_max_size = 15000;

enum class json_number_check : std::uint8_t {
  ok,           // grammatical and storable
  invalid,      // not an RFC 8259 number
  unsupported,  // grammatical, but beyond what PostgreSQL's numeric holds
};

/// Checks `token` (the number's text, no surrounding whitespace) against
/// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and then against numeric's limits.
inline json_number_check check_json_number(std::string_view token) noexcept {
  std::size_t i = 0;
  const std::size_t n = token.size();
  const auto digit = [&](std::size_t k) { return k < n && token[k] >= '0' && token[k] <= '9'; };
  if (i < n && token[i] == '-') ++i;
  if (!digit(i)) return json_number_check::invalid;
  if (token[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && token[i] == '.') {
    ++i;
    if (!digit(i)) return json_number_check::invalid;
    while (digit(i)) ++i;
  }
  bool huge_exponent = false;
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digit(i)) return json_number_check::invalid;
    long exponent = 0;
    while (digit(i)) {
      if (exponent <= json_number_max_exponent) exponent = exponent * 10 + (token[i] - '0');
      ++i;
    }
    huge_exponent = exponent > json_number_max_exponent;
  }
  if (i != n) return json_number_check::invalid;
  if (huge_exponent || n > json_number_max_size) return json_number_check::unsupported;
  return json_number_check::ok;
}

}  // namespace gg
