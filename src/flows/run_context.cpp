#include "run_context.hpp"

#include "run_row.hpp"

#include <gadgetgrove/core/log.hpp>

#include <fmt/format.h>

namespace gg::flows::detail {
namespace {

constexpr gg::logger log{"flows"};

}  // namespace

void write_run_log(pg::connection& conn, const run_record& run, std::string_view task,
                   log_level level, std::string_view message, time_point at) {
  const std::initializer_list<gg::log::field> fields = {
      {"flow", run.flow}, {"run", run.id}, {"task", task}};
  switch (level) {
    case log_level::debug:
      log.debug(message, fields);
      break;
    case log_level::info:
      log.info(message, fields);
      break;
    case log_level::warn:
      log.warn(message, fields);
      break;
    case log_level::error:
      log.error(message, fields);
      break;
  }
  const std::optional<std::string_view> task_param =
      task.empty() ? std::nullopt : std::optional<std::string_view>(task);
  auto r = conn.exec(
      "INSERT INTO pipeline.run_logs (flow_run, task, logged_at, level, message) "
      "VALUES ($1::uuid, $2, $3::timestamptz, $4, $5)",
      run.id, task_param, time_param(at), to_string(level), message);
  if (!r) {
    log.warn("a run log line was not stored",
             {{"flow", run.flow}, {"run", run.id}, {"error", r.error().message}});
  }
}

void run_context::log(log_level level, std::string message) {
  write_run_log(conn_, run_, task_, level, message, now_());
  if (on_write_) on_write_();
}

gg::status run_context::add_artifact(artifact a) {
  if (a.kind != "markdown" && a.kind != "table") {
    return gg::fail(errc::invalid_input,
                    fmt::format("artifact kind \"{}\" is neither markdown nor table", a.kind));
  }
  if (a.key.empty()) return gg::fail(errc::invalid_input, "an artifact needs a key");
  const std::optional<std::string_view> data =
      a.data.empty() ? std::nullopt : std::optional<std::string_view>(a.data);
  auto r = conn_.exec(
      "INSERT INTO pipeline.artifacts (flow, run_id, task, kind, key, title, body, data, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::timestamptz)",
      run_.flow, run_.id, task_, a.kind, a.key, a.title, a.body, data, time_param(now_()));
  if (!r) return r.error().with_context(fmt::format("artifact \"{}\"", a.key));
  if (on_write_) on_write_();
  return {};
}

}  // namespace gg::flows::detail
