#include <gadgetgrove/sched/time_zone_spec.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace gg::sched {
namespace {

constexpr std::chrono::minutes max_offset = std::chrono::hours(18);

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

bool two_digits(std::string_view s, int& out) noexcept {
  if (s.size() != 2 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1]))) {
    return false;
  }
  out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

}  // namespace

gg::result<time_zone_spec> time_zone_spec::fixed(std::chrono::minutes offset) {
  if (offset > max_offset || offset < -max_offset) {
    return gg::fail(gg::errc::invalid_input,
                    fmt::format("time zone offset {} minutes is beyond +-18:00", offset.count()));
  }
  return time_zone_spec{kind::fixed, offset};
}

gg::result<time_zone_spec> time_zone_spec::parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (iequals(text, "utc") || iequals(text, "z")) return utc();
  if (iequals(text, "local")) return local();

  auto bad = [&] {
    return gg::fail(
        gg::errc::invalid_input,
        fmt::format("time zone \"{}\": expected UTC, local or an offset like +05:30", text));
  };
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return bad();
  const int sign = text[0] == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  int hours = 0;
  int minutes = 0;
  if (!two_digits(rest.substr(0, 2), hours)) return bad();
  rest.remove_prefix(2);
  const bool colon = !rest.empty() && rest.front() == ':';
  if (colon) rest.remove_prefix(1);
  if ((colon || !rest.empty()) && !two_digits(rest, minutes)) return bad();
  if (minutes > 59) return bad();
  return fixed(std::chrono::minutes(sign * (hours * 60 + minutes)));
}

std::string time_zone_spec::to_string() const {
  switch (kind_) {
    case kind::utc:
      return "UTC";
    case kind::local:
      return "local";
    case kind::fixed:
      break;
  }
  const auto total = offset_.count();
  const auto magnitude = std::abs(total);
  return fmt::format("{}{:02}:{:02}", total < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

}  // namespace gg::sched
