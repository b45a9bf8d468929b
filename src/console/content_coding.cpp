#include "content_coding.hpp"

#include <cctype>
#include <string_view>

namespace gg::console {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// The weight of an entry's parameters ("q=0.5"): 1 without one, nullopt when malformed.
/// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
std::optional<double> weight(std::string_view params) noexcept {
  double q = 1.0;
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (param.empty()) continue;
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    if (!iequals(trim(param.substr(0, eq)), "q")) continue;  // other parameters do not weigh
    const std::string_view v = trim(param.substr(eq + 1));
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
    double value = v[0] - '0';
    if (v.size() > 1) {
      if (v[1] != '.' || v.size() > 5) return std::nullopt;
      double scale = 0.1;
      for (const char c : v.substr(2)) {
        if (c < '0' || c > '9') return std::nullopt;
        value += (c - '0') * scale;
        scale /= 10;
      }
      if (value > 1.0) return std::nullopt;
    }
    q = value;
  }
  return q;
}

}  // namespace

bool accepts_gzip(std::optional<std::string_view> accept_encoding) noexcept {
  if (!accept_encoding) return false;
  std::optional<bool> gzip;
  std::optional<bool> any;
  std::string_view rest = *accept_encoding;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto semi = entry.find(';');
    const std::string_view coding = trim(entry.substr(0, semi));
    if (coding.empty()) continue;
    const auto q = semi == std::string_view::npos ? std::optional<double>{1.0}
                                                  : weight(entry.substr(semi + 1));
    const bool accepted = q.has_value() && *q > 0.0;
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = gzip.value_or(false) || accepted;
    } else if (coding == "*") {
      any = any.value_or(false) || accepted;
    }
  }
  if (gzip) return *gzip;
  return any.value_or(false);
}

}  // namespace gg::console
