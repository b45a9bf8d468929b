#pragma once
// What a task sees of its run: the stop token, the run's identity and parameters, and the
// writers of its log lines and artifacts.

#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/flows/flow.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <functional>
#include <stop_token>
#include <string>

namespace gg::flows::detail {

/// The task_context of one task attempt. Log lines and artifacts go through `conn` (the run's
/// connection, used only by the run's thread) stamped with `now()`; `on_write` tells waiters a
/// line was written. Lives on the run's thread for the duration of the task call.
class run_context final : public task_context {
 public:
  run_context(pg::connection& conn, const run_record& run, std::string task, std::stop_token stop,
              const std::function<time_point()>& now, std::function<void()> on_write)
      : conn_(conn),
        run_(run),
        task_(std::move(task)),
        stop_(std::move(stop)),
        now_(now),
        on_write_(std::move(on_write)) {}

  std::stop_token stop() const override { return stop_; }
  std::string_view flow() const override { return run_.flow; }
  std::string_view run_id() const override { return run_.id; }
  std::string_view task() const override { return task_; }
  trigger_kind trigger() const override { return run_.trigger; }
  unsigned attempt() const override { return run_.attempt; }
  const parameters& params() const override { return run_.params; }
  void log(log_level level, std::string message) override;
  gg::status add_artifact(artifact a) override;

 private:
  pg::connection& conn_;
  const run_record& run_;
  std::string task_;
  std::stop_token stop_;
  const std::function<time_point()>& now_;
  std::function<void()> on_write_;
};

/// Writes one line to pipeline.run_logs (`task` empty: a line of the run itself) and to the
/// process log, tagged with flow, run and task. A database failure is logged, not returned:
/// losing a history line must not fail the work it describes.
void write_run_log(pg::connection& conn, const run_record& run, std::string_view task,
                   log_level level, std::string_view message, time_point at);

}  // namespace gg::flows::detail
