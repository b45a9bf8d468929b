#include <gadgetgrove/loader/report.hpp>

#include <gadgetgrove/core/json_text.hpp>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace gg::loader {
namespace {

// Markdown table cells: a '|' would end the cell and a newline the row.
std::string cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string human_duration(std::chrono::milliseconds d) {
  using namespace std::chrono;
  if (d.count() == 0) return "forever";
  if (d % hours(1) == milliseconds(0)) return fmt::format("{} h", duration_cast<hours>(d).count());
  if (d % minutes(1) == milliseconds(0))
    return fmt::format("{} min", duration_cast<minutes>(d).count());
  return fmt::format("{} s", static_cast<double>(d.count()) / 1000.0);
}

constexpr json_decimals report_decimals[] = {
    {"seconds", 6}, {"rows_per_second", 1}, {"retention_seconds", 3}};

}  // namespace

artifact ingestion_artifact(const load_summary& s) {
  artifact a;
  a.flow = "load";
  a.run_id = s.run_id;
  a.kind = "markdown";
  a.key = "ingestion-summary";
  a.title = "Ingestion Summary";

  const std::string started = format_iso8601_us(s.started);
  std::string& md = a.body;
  md += "# Ingestion Summary\n\n";
  const bool ok = s.failed == 0;
  md += fmt::format("**Status:** {}  \n", ok ? "success" : "incomplete");
  md += fmt::format("**Run:** `{}` started {}  \n", s.run_id, started);
  md += fmt::format(
      "**Loaded:** {} rows from {} segments ({}) in {:.3f} s, {:.0f} rows/s; {} rejected\n\n",
      s.rows(), s.segments(), human_bytes(s.bytes()), s.seconds, s.rows_per_second(), s.rejected());
  md += "## Rows ingested per queue\n\n";
  md += "| queue | segments | rows | rejected | bytes |\n";
  md += "|---|---:|---:|---:|---:|\n";
  for (const auto& q : s.queues) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", cell(q.queue), q.segments, q.rows, q.rejected,
                      q.bytes);
  }
  md += fmt::format("| **total** | **{}** | **{}** | **{}** | **{}** |\n", s.segments(), s.rows(),
                    s.rejected(), s.bytes());
  if (!s.rejects_by_reason.empty()) {
    md += "\n## Rejected lines by reason\n\n| reason | lines |\n|---|---:|\n";
    for (const auto& [reason, n] : s.rejects_by_reason) {
      md += fmt::format("| {} | {} |\n", cell(reason), n);
    }
    md += "\nRejected lines are kept in `raw_data.rejected_events`.\n";
  }
  if (s.already_loaded > 0) {
    md += fmt::format("\n{} segment(s) were already in the ledger and were only archived.\n",
                      s.already_loaded);
  }
  if (s.quarantined > 0) {
    md += fmt::format(
        "\n{} segment(s) differ from the loaded file of the same name and were quarantined.\n",
        s.quarantined);
  }
  if (s.failed > 0) {
    md += fmt::format("\n{} segment(s) failed and stay in `log/` for the next run: {}\n", s.failed,
                      cell(s.first_error ? s.first_error->message : "unknown error"));
  }

  boost::json::array queues;
  for (const auto& q : s.queues) {
    queues.push_back(boost::json::object{{"queue", q.queue},
                                         {"segments", q.segments},
                                         {"rows", q.rows},
                                         {"rejected", q.rejected},
                                         {"bytes", q.bytes}});
  }
  boost::json::object rejects;
  for (const auto& [reason, n] : s.rejects_by_reason) rejects[reason] = n;
  a.data = json_text(
      boost::json::object{
          {"run_id", s.run_id},
          {"started", started},
          {"seconds", s.seconds},
          {"rows_per_second", s.rows_per_second()},
          {"segments", s.segments()},
          {"rows", s.rows()},
          {"rejected", s.rejected()},
          {"bytes", s.bytes()},
          {"already_loaded", s.already_loaded},
          {"quarantined", s.quarantined},
          {"failed", s.failed},
          {"error", s.first_error ? boost::json::value(s.first_error->message)
                                  : boost::json::value(nullptr)},
          {"queues", std::move(queues)},
          {"rejects_by_reason", std::move(rejects)},
      },
      report_decimals);
  return a;
}

artifact cleanup_artifact(const cleanup_summary& s) {
  artifact a;
  a.flow = "archive-cleanup";
  a.run_id = s.run_id;
  a.kind = "markdown";
  a.key = "archive-cleanup-report";
  a.title = "Archive Cleanup Report";

  std::string& md = a.body;
  md += "# Archive Cleanup Report\n\n";
  if (s.retention.count() == 0) {
    md += "Retention is 0 (keep forever): nothing was deleted.\n\n";
  } else {
    md += fmt::format("Deleted {} archived segment file(s), {}, older than {}.\n\n", s.files(),
                      human_bytes(s.bytes()), human_duration(s.retention));
  }
  md += "| queue | files deleted | bytes deleted |\n|---|---:|---:|\n";
  for (const auto& q : s.queues) {
    md += fmt::format("| {} | {} | {} |\n", cell(q.queue), q.files, q.bytes);
  }
  md += fmt::format("| **total** | **{}** | **{}** |\n", s.files(), s.bytes());

  boost::json::array queues;
  for (const auto& q : s.queues) {
    queues.push_back(
        boost::json::object{{"queue", q.queue}, {"files", q.files}, {"bytes", q.bytes}});
  }
  a.data = json_text(
      boost::json::object{
          {"run_id", s.run_id},
          {"retention_seconds", static_cast<double>(s.retention.count()) / 1000.0},
          {"files", s.files()},
          {"bytes", s.bytes()},
          {"queues", std::move(queues)},
      },
      report_decimals);
  return a;
}

}  // namespace gg::loader
