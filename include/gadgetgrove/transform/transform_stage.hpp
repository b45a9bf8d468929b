#pragma once
// The transformation runner as a pipeline stage: serve registers it; the flows stage (and serve's
// periodic job until then) call run() to refresh the analytics tables.

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/transform/run_options.hpp>
#include <gadgetgrove/transform/run_summary.hpp>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

namespace gg::transform {

/// Owns no connection between runs. run() may be called from any thread; runs are serialised:
/// a second call waits until the running one finishes (or returns errc::cancelled once a stop
/// was requested). request_stop() refuses new runs and cancels the running one (its statement
/// is cancelled with PQcancel); drain() waits for it to end. health() is thread-safe; a run
/// whose models fail leaves the stage up (the failures are in the run's results and history,
/// and must not take the shop out of /readyz).
class transform_stage final : public gg::stage {
 public:
  /// `conninfo`: returns the database to run against (password included, never logged); asked
  /// at each run, because serve knows it only once the pg stage started. `project_dir`: the
  /// project to run unless a call says otherwise.
  transform_stage(std::function<std::string()> conninfo, std::filesystem::path project_dir);

  std::string_view name() const noexcept override { return "transform"; }
  std::vector<std::string> depends_on() const override { return {"pg"}; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  /// Runs `options` (conninfo and project_dir default to the stage's when empty; the stop token
  /// is combined with the stage's). Blocks until the run ends. errc::cancelled after
  /// request_stop(); otherwise as transform::run().
  gg::result<run_summary> run(run_options options);

  const std::filesystem::path& project_dir() const noexcept { return project_dir_; }

 private:
  std::function<std::string()> conninfo_;
  std::filesystem::path project_dir_;
  std::stop_source stop_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool running_ = false;
  bool stopping_ = false;
  gg::health health_{health_state::starting, "not started"};
};

}  // namespace gg::transform
