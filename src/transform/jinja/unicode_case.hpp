#pragma once
// Case mapping of UTF-8 text as Python's str.upper()/lower() do it, for the scripts dbt
// projects meet in practice: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic. Other
// characters (and invalid UTF-8 bytes) pass through unchanged.

#include <cstdint>
#include <string>
#include <string_view>

namespace gg::transform::jinja::detail {

std::string utf8_upper(std::string_view s);
std::string utf8_lower(std::string_view s);
/// Python's str.capitalize(): the first character upper-cased, the rest lower-cased.
std::string utf8_capitalize(std::string_view s);
/// Upper-cases the first cased character of each word and lower-cases the rest, where a word
/// starts after a character for which `boundary` is true.
template <class Boundary>
std::string utf8_title(std::string_view s, Boundary boundary);

/// Whether the code point is a letter with case (so it can start a word for str.title()).
bool is_cased(std::uint32_t cp);
/// Decodes the code point at s[i] (advancing i); invalid bytes decode as themselves.
std::uint32_t next_code_point(std::string_view s, std::size_t& i);

// Implementation of the template.
std::string map_case(std::string_view s, bool upper, bool first_only_upper);
void append_case(std::string& out, std::uint32_t cp, bool upper);

template <class Boundary>
std::string utf8_title(std::string_view s, Boundary boundary) {
  std::string out;
  bool start = true;
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp = next_code_point(s, i);
    if (boundary(cp)) {
      append_case(out, cp, false);
      start = true;
      continue;
    }
    append_case(out, cp, start);
    start = false;
  }
  return out;
}

}  // namespace gg::transform::jinja::detail
