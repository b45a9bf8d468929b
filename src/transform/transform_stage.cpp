#include <gadgetgrove/transform/transform_stage.hpp>

#include <gadgetgrove/transform/runner.hpp>

namespace gg::transform {

transform_stage::transform_stage(std::function<std::string()> conninfo,
                                 std::filesystem::path project_dir)
    : conninfo_(std::move(conninfo)), project_dir_(std::move(project_dir)) {}

gg::status transform_stage::start() {
  std::lock_guard lock(mutex_);
  health_ = gg::health{health_state::up, {}};
  return {};
}

void transform_stage::request_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  stop_.request_stop();
  idle_.notify_all();
}

gg::status transform_stage::drain(gg::deadline until) {
  std::unique_lock lock(mutex_);
  if (!idle_.wait_until(lock, until, [&] { return !running_; })) {
    return gg::error{errc::timeout, "a transformation run was still being cancelled"};
  }
  health_ = gg::health{health_state::stopped, {}};
  return {};
}

gg::health transform_stage::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

gg::result<run_summary> transform_stage::run(run_options options) {
  {
    std::unique_lock lock(mutex_);
    // One run at a time: a second caller waits for the first rather than racing it over the
    // same relations.
    idle_.wait(lock, [&] { return !running_ || stopping_; });
    if (stopping_) return gg::error{errc::cancelled, "the transform stage is stopping"};
    running_ = true;
  }
  if (options.conninfo.empty()) options.conninfo = conninfo_();
  if (options.project_dir.empty()) options.project_dir = project_dir_;
  // Either the caller's token or the stage's stop cancels the run.
  std::stop_source combined;
  std::stop_callback on_stage_stop(stop_.get_token(), [&] { combined.request_stop(); });
  std::stop_callback on_caller_stop(options.stop, [&] { combined.request_stop(); });
  options.stop = combined.get_token();
  auto r = transform::run(options);

  std::lock_guard lock(mutex_);
  running_ = false;
  idle_.notify_all();
  return r;
}

}  // namespace gg::transform
