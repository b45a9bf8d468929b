#include "answer_scan.hpp"

namespace gg::traffic::detail {
namespace {

/// Position of the value of `"key":` at or after `from` (whitespace skipped), or npos.
std::size_t value_of(std::string_view json, std::string_view key, std::size_t from) {
  std::string pattern;
  pattern.reserve(key.size() + 2);
  pattern.push_back('"');
  pattern.append(key);
  pattern.push_back('"');
  std::size_t at = from;
  while ((at = json.find(pattern, at)) != std::string_view::npos) {
    std::size_t p = at + pattern.size();
    while (p < json.size() &&
           (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) {
      ++p;
    }
    if (p < json.size() && json[p] == ':') {
      ++p;
      while (p < json.size() &&
             (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) {
        ++p;
      }
      return p;
    }
    at += pattern.size();
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> json_string_member(std::string_view json, std::string_view key,
                                              std::size_t from, std::size_t* next) {
  std::size_t p = value_of(json, key, from);
  if (p == std::string_view::npos || p >= json.size() || json[p] != '"') return std::nullopt;
  std::string out;
  for (++p; p < json.size(); ++p) {
    const char c = json[p];
    if (c == '"') {
      if (next != nullptr) *next = p + 1;
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++p >= json.size()) break;
    switch (json[p]) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'u':
        out.append("\\u");
        break;
      default:
        out.push_back(json[p]);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> json_number_member(std::string_view json, std::string_view key,
                                                   std::size_t from) {
  const std::size_t p = value_of(json, key, from);
  if (p == std::string_view::npos) return std::nullopt;
  std::size_t e = p;
  while (e < json.size() &&
         ((json[e] >= '0' && json[e] <= '9') || json[e] == '-' || json[e] == '+' ||
          json[e] == '.' || json[e] == 'e' || json[e] == 'E')) {
    ++e;
  }
  if (e == p) return std::nullopt;
  return json.substr(p, e - p);
}

}  // namespace gg::traffic::detail
