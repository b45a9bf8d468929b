#pragma once
// Grammar checks for JSON scalar tokens, as simdjson's On Demand front end hands them over
// unvalidated: the token text plus any whitespace up to the next token.

#include <string_view>

namespace gg::ingest::detail {

inline bool is_json_whitespace(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline std::string_view trim_json_whitespace(std::string_view s) noexcept {
  while (!s.empty() && is_json_whitespace(s.back())) s.remove_suffix(1);
  return s;
}

/// RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
inline bool is_json_number(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  const auto digit = [&](std::size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

/// A number, true, false, null or a quoted string (whose content the first stage checked).
inline bool is_json_scalar(std::string_view token) noexcept {
  const std::string_view s = trim_json_whitespace(token);
  if (s.empty()) return false;
  switch (s.front()) {
    case 't':
      return s == "true";
    case 'f':
      return s == "false";
    case 'n':
      return s == "null";
    case '"':
      return s.size() >= 2 && s.back() == '"';
    default:
      return is_json_number(s);
  }
}

}  // namespace gg::ingest::detail
