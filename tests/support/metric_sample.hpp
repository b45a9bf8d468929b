#pragma once
// Reads one series' value out of a registry's exposition, so a test asserts a count, not only
// that a family is listed (a collector lists every series of its families, zero or not).

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace gg::test {

/// The value of `series` in the Prometheus text `text`: `series` is the metric's name with its
/// labels exactly as exposed (`name{a="x",b="y"}`, labels sorted by name), or the bare
/// name of an unlabelled one. nullopt when no line holds it.
inline std::optional<double> metric_sample(std::string_view text, std::string_view series) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    if (line.size() > series.size() && line.substr(0, series.size()) == series &&
        line[series.size()] == ' ') {
      const std::string value{line.substr(series.size() + 1)};
      char* stop = nullptr;
      const double v = std::strtod(value.c_str(), &stop);
      if (stop != value.c_str()) return v;
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace gg::test
