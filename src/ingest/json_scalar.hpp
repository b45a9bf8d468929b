#pragma once
// Grammar checks for JSON scalar tokens, as simdjson's On Demand front end hands them over
// unvalidated: the token text plus any whitespace up to the next token.

#include <gadgetgrove/core/json_number.hpp>

#include <string_view>

namespace gg::ingest::detail {

inline bool is_json_whitespace(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline std::string_view trim_json_whitespace(std::string_view s) noexcept {
  while (!s.empty() && is_json_whitespace(s.back())) s.remove_suffix(1);
  return s;
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
      return check_json_number(s) != json_number_check::invalid;
  }
}

}  // namespace gg::ingest::detail
