#include "run_text.hpp"

#include <gadgetgrove/core/json_text.hpp>
#include <gadgetgrove/core/time.hpp>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace gg::app {
namespace {

std::string time_text(const std::optional<flows::time_point>& t) {
  if (!t) return {};
  std::string out(iso8601_ms_size, '\0');
  format_iso8601_ms(std::chrono::time_point_cast<std::chrono::microseconds>(*t), out.data());
  return out;
}

boost::json::value string_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::string(s);
}

// The first line of an error, at most `most` characters (more is in `runs --json` and the
// pipeline page).
std::string short_error(std::string_view e, std::size_t most) {
  auto nl = e.find('\n');
  std::string out(e.substr(0, nl));
  if (out.size() > most) out = out.substr(0, most - 3) + "...";
  return out;
}

}  // namespace

boost::json::value time_json(const std::optional<flows::time_point>& t) {
  if (!t) return nullptr;
  return boost::json::string(format_iso8601_us(std::chrono::floor<std::chrono::microseconds>(*t)));
}

std::string runs_table(const std::vector<flows::run_record>& runs) {
  if (runs.empty()) return "no runs\n";
  struct row {
    std::array<std::string, 8> cells;
  };
  std::vector<row> rows;
  rows.push_back({{"id", "flow", "trigger", "state", "attempt", "started", "duration", "error"}});
  for (const auto& r : runs) {
    rows.push_back(
        {{r.id, r.flow, std::string(flows::to_string(r.trigger)),
          std::string(flows::to_string(r.state)), std::to_string(r.attempt),
          r.started_at ? time_text(r.started_at).substr(0, 19) : "-",
          r.duration_s ? fmt::format("{:.1f}s", *r.duration_s) : "-", short_error(r.error, 80)}});
  }
  std::array<std::size_t, 8> width{};
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < 8; ++i) width[i] = std::max(width[i], r.cells[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < 8; ++i) {
      if (i == 7) {
        line += r.cells[i];
      } else {
        line += fmt::format("{:<{}}  ", r.cells[i], width[i]);
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

boost::json::object run_object(const flows::run_record& r) {
  boost::json::object params;
  for (const auto& [k, v] : r.params) params[k] = v;
  return boost::json::object{
      {"id", r.id},
      {"flow", r.flow},
      {"trigger", flows::to_string(r.trigger)},
      {"state", flows::to_string(r.state)},
      {"attempt", r.attempt},
      {"parent_run", string_or_null(r.parent_run)},
      {"scheduled_for", time_json(r.scheduled_for)},
      {"created_at", time_json(r.created_at)},
      {"started_at", time_json(r.started_at)},
      {"ended_at", time_json(r.ended_at)},
      {"duration_s", r.duration_s ? boost::json::value(*r.duration_s) : nullptr},
      {"error", string_or_null(r.error)},
      {"parameters", std::move(params)},
      {"node", string_or_null(r.node)},
  };
}

std::string run_json(const flows::run_record& r) { return json_text(run_object(r)); }

std::string log_line(std::string_view at, std::string_view level, std::string_view task,
                     std::string_view message) {
  std::string lvl(level);
  for (auto& c : lvl) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format("{} {:<5} [{}] {}", at, lvl, task.empty() ? "run" : task, message);
}

}  // namespace gg::app
