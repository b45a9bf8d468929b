#include <gadgetgrove/http/request.hpp>

#include <gadgetgrove/http/response.hpp>

namespace gg::http {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(verb v) noexcept {
  switch (v) {
    case verb::get:
      return "GET";
    case verb::head:
      return "HEAD";
    case verb::post:
      return "POST";
    case verb::put:
      return "PUT";
    case verb::patch:
      return "PATCH";
    case verb::del:
      return "DELETE";
    case verb::options:
      return "OPTIONS";
    case verb::other:
      break;
  }
  return "OTHER";
}

verb parse_verb(std::string_view method) noexcept {
  if (method == "GET") return verb::get;
  if (method == "HEAD") return verb::head;
  if (method == "POST") return verb::post;
  if (method == "PUT") return verb::put;
  if (method == "PATCH") return verb::patch;
  if (method == "DELETE") return verb::del;
  if (method == "OPTIONS") return verb::options;
  return verb::other;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void header_map::add(std::string_view name, std::string_view value) {
  span s{};
  s.name_offset = static_cast<std::uint32_t>(text_.size());
  s.name_size = static_cast<std::uint32_t>(name.size());
  text_.append(name);
  s.value_offset = static_cast<std::uint32_t>(text_.size());
  s.value_size = static_cast<std::uint32_t>(value.size());
  text_.append(value);
  spans_.push_back(s);
}

std::optional<std::string_view> header_map::get(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < spans_.size(); ++i) {
    if (iequals(name_at(i), name)) return value_at(i);
  }
  return std::nullopt;
}

std::string_view header_map::name_at(std::size_t i) const noexcept {
  const span& s = spans_[i];
  return std::string_view{text_}.substr(s.name_offset, s.name_size);
}

std::string_view header_map::value_at(std::size_t i) const noexcept {
  const span& s = spans_[i];
  return std::string_view{text_}.substr(s.value_offset, s.value_size);
}

void header_map::clear() noexcept {
  text_.clear();
  spans_.clear();
}

void header_map::reserve(std::size_t fields, std::size_t bytes) {
  spans_.reserve(fields);
  text_.reserve(bytes);
}

std::string_view request::path() const noexcept {
  const std::string_view t{target};
  return t.substr(0, t.find('?'));
}

std::string_view request::query() const noexcept {
  const std::string_view t{target};
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::optional<std::string> request::query_param(std::string_view name) const {
  std::string_view rest = query();
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const bool plain = raw_name.find_first_of("%+") == std::string_view::npos;
    if (plain ? raw_name != name : percent_decode(raw_name) != name) continue;
    if (eq == std::string_view::npos) return std::string{};
    return percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<std::string_view> request::cookie(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!iequals(headers.name_at(i), "cookie")) continue;
    std::string_view rest = headers.value_at(i);
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> request::path_param(std::string_view name) const noexcept {
  for (const auto& [key, value] : path_params) {
    if (key == name) return std::string_view{value};
  }
  return std::nullopt;
}

}  // namespace gg::http
