#pragma once
// Reading the flows' history back: the runs table with filters and paging, one run with its task
// runs, log lines and artifacts. Shared by the pipeline page, the JSON API and `gadgetgrove runs`.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gg::flows {

struct run_filter {
  std::optional<std::string> flow;
  std::optional<run_state> state;
  /// Paging: runs created before this run (its id), newest first.
  std::optional<std::string> before;
  std::size_t limit = 50;  // 1..500
};

struct task_run_record {
  std::string task;
  int position = 0;
  unsigned attempt = 1;
  std::string state;
  time_point started_at{};
  std::optional<time_point> ended_at;
  std::optional<double> duration_s;
  std::string error;
};

struct log_record {
  std::int64_t id = 0;
  std::string task;
  time_point logged_at{};
  std::string level;
  std::string message;
};

struct artifact_record {
  std::int64_t id = 0;
  std::string task;
  std::string kind;
  std::string key;
  std::string title;
  std::string body;  // Markdown: render it escaped, never as raw HTML
  std::string data;  // JSON text or empty
  time_point created_at{};
};

struct run_detail {
  run_record run;
  std::vector<task_run_record> tasks;
  std::vector<log_record> logs;
  std::vector<artifact_record> artifacts;
};

/// Runs matching `filter`, newest first. Every value is a bound parameter.
gg::result<std::vector<run_record>> list_runs(pg::connection& c, const run_filter& filter);
/// One run; errc::not_found when there is none with that id (or the id is not a UUID).
gg::result<run_detail> get_run(pg::connection& c, std::string_view run_id);

}  // namespace gg::flows
