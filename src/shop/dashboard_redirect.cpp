#include <gadgetgrove/shop/dashboard_redirect.hpp>

#include <algorithm>

namespace gg::shop {
namespace {

constexpr std::size_t max_name = 253;  // a DNS name, without its final dot

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool alnum(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool valid_port(std::string_view p) noexcept {
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), digit)) return false;
  unsigned long v = 0;
  for (const char c : p) v = v * 10 + static_cast<unsigned long>(c - '0');
  return v <= 65535;
}

/// letters, digits, '-', '_' and '.', no empty label but an optional final dot.
bool valid_name(std::string_view n) noexcept {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  if (n.empty() || n.size() > max_name) return false;
  bool label_empty = true;
  for (const char c : n) {
    if (c == '.') {
      if (label_empty) return false;
      label_empty = true;
    } else if (alnum(c) || c == '-' || c == '_') {
      label_empty = false;
    } else {
      return false;
    }
  }
  return !label_empty;
}

bool valid_ipv6(std::string_view a) noexcept {
  return a.size() >= 2 && a.size() <= 45 && a.find(':') != std::string_view::npos &&
         std::all_of(a.begin(), a.end(), [](char c) { return hex(c) || c == ':' || c == '.'; });
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

dashboard_redirect dashboard_redirect::fixed(std::string url) {
  dashboard_redirect r;
  r.url = std::move(url);
  return r;
}

dashboard_redirect dashboard_redirect::on_request_host(unsigned short port, std::string path) {
  dashboard_redirect r;
  r.port = port;
  r.path = std::move(path);
  return r;
}

std::optional<std::string> host_of_host_header(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::string_view host;
  std::string_view rest;
  if (value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos || !valid_ipv6(value.substr(1, close - 1))) {
      return std::nullopt;
    }
    host = value.substr(0, close + 1);
    rest = value.substr(close + 1);
  } else {
    const auto colon = value.find(':');
    host = value.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : value.substr(colon);
    if (!valid_name(host)) return std::nullopt;
  }
  if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
  return lower(host);
}

std::optional<std::string> dashboard_location(const dashboard_redirect& target,
                                              std::optional<std::string_view> host_header) {
  if (target.port == 0) return target.url;
  if (!host_header) return std::nullopt;
  auto host = host_of_host_header(*host_header);
  if (!host) return std::nullopt;
  return "http://" + *host + ":" + std::to_string(target.port) + target.path;
}

}  // namespace gg::shop
