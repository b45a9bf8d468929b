// The text a run prints: one line per finished node, and the aligned table at the end.

#include <gadgetgrove/transform/runner.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace gg::transform {

namespace {

std::string_view status_word(node_status s) {
  switch (s) {
    case node_status::success:
      return "OK";
    case node_status::pass:
      return "PASS";
    case node_status::warn:
      return "WARN";
    case node_status::fail:
      return "FAIL";
    case node_status::error:
      return "ERROR";
    case node_status::skipped:
      return "SKIP";
    case node_status::cancelled:
      return "CANCEL";
  }
  return "ERROR";
}

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

std::string rows_text(const node_result& r) {
  if (r.failures) return fmt::format("{} failing", *r.failures);
  if (r.rows_affected) return fmt::format("{}", *r.rows_affected);
  return "-";
}

}  // namespace

std::string format_progress(const node_result& r) {
  const std::string what = r.relation.empty() ? r.unique_id : r.relation;
  std::string kind = r.resource_type;
  if (!r.materialization.empty()) kind = r.materialization + " " + kind;
  std::string detail;
  if (r.status == node_status::skipped || r.status == node_status::cancelled) {
    detail = first_line(r.message);
  } else if (r.status == node_status::error) {
    detail = fmt::format("in {:.2f}s", static_cast<double>(r.duration.count()) / 1e6);
  } else {
    detail =
        fmt::format("{}{}in {:.2f}s", r.adapter_message.empty() && !r.failures ? "" : rows_text(r),
                    r.adapter_message.empty() && !r.failures ? "" : " ",
                    static_cast<double>(r.duration.count()) / 1e6);
  }
  std::string line = fmt::format("{:<6} {} {} [{}]", status_word(r.status), kind, what, detail);
  if (r.status == node_status::error || r.status == node_status::fail ||
      r.status == node_status::warn) {
    // Every line of the message indented under the node, so a multi-line error stays readable.
    std::string_view rest = r.message;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      line.append("\n    ").append(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  return line;
}

std::string format_summary(const run_summary& s) {
  std::size_t node_width = 4;
  for (const auto& r : s.results) node_width = std::max(node_width, r.unique_id.size());
  std::string out = fmt::format("{:<9} {:<{}} {:<12} {:>12} {:>9}  {}\n", "status", "node",
                                node_width, "type", "rows", "seconds", "message");
  for (const auto& r : s.results) {
    const std::string type = r.materialization.empty() ? r.resource_type : r.materialization;
    const std::string message = first_line(r.message.empty() ? r.adapter_message : r.message);
    out += fmt::format("{:<9} {:<{}} {:<12} {:>12} {:>9.3f}  {}\n", to_string(r.status),
                       r.unique_id, node_width, type, rows_text(r),
                       static_cast<double>(r.duration.count()) / 1e6, message);
  }
  out += fmt::format(
      "Done in {:.2f}s{}. PASS={} WARN={} ERROR={} SKIP={} TOTAL={}\n",
      static_cast<double>(s.elapsed.count()) / 1e6, s.cancelled ? " (cancelled)" : "",
      s.count(node_status::success) + s.count(node_status::pass), s.count(node_status::warn),
      s.count(node_status::error) + s.count(node_status::fail),
      s.count(node_status::skipped) + s.count(node_status::cancelled), s.results.size());
  return out;
}

}  // namespace gg::transform
