#include "run_text.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/time.hpp>

#include <fmt/format.h>

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

void json_time(std::string& out, const std::optional<flows::time_point>& t) {
  if (!t) {
    out += "null";
    return;
  }
  append_json_string(out, time_text(t));
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

std::string run_json(const flows::run_record& r) {
  std::string out = "{\"id\":";
  append_json_string(out, r.id);
  out += ",\"flow\":";
  append_json_string(out, r.flow);
  out += ",\"trigger\":";
  append_json_string(out, flows::to_string(r.trigger));
  out += ",\"state\":";
  append_json_string(out, flows::to_string(r.state));
  out += fmt::format(",\"attempt\":{},\"parent_run\":", r.attempt);
  if (r.parent_run.empty()) {
    out += "null";
  } else {
    append_json_string(out, r.parent_run);
  }
  out += ",\"scheduled_for\":";
  json_time(out, r.scheduled_for);
  out += ",\"created_at\":";
  json_time(out, r.created_at);
  out += ",\"started_at\":";
  json_time(out, r.started_at);
  out += ",\"ended_at\":";
  json_time(out, r.ended_at);
  out += ",\"duration_s\":";
  out += r.duration_s ? fmt::format("{:.3f}", *r.duration_s) : "null";
  out += ",\"error\":";
  if (r.error.empty()) {
    out += "null";
  } else {
    append_json_string(out, r.error);
  }
  out += ",\"parameters\":{";
  bool first = true;
  for (const auto& [k, v] : r.params) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    append_json_string(out, v);
  }
  out += "},\"node\":";
  if (r.node.empty()) {
    out += "null";
  } else {
    append_json_string(out, r.node);
  }
  out += '}';
  return out;
}

std::string log_line(std::string_view at, std::string_view level, std::string_view task,
                     std::string_view message) {
  std::string lvl(level);
  for (auto& c : lvl) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format("{} {:<5} [{}] {}", at, lvl, task.empty() ? "run" : task, message);
}

}  // namespace gg::app
