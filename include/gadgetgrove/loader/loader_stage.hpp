#pragma once
// The continuous loader as a stage of `serve`, built once the database is known.

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/loader/loader.hpp>
#include <gadgetgrove/pg/database_source.hpp>

#include <memory>
#include <string>
#include <vector>

namespace gg::loader {

/// The "loader" stage: a gg::loader::loader whose conninfo comes from `database` when start()
/// runs (the database stage, started before it, resolves it only then); everything else is
/// `options`. Continuous loading runs on `runtime` (the scheduler's io_context and blocking
/// pool). Thread safety as gg::loader::loader once started; get() is null before start().
///
/// Hooks for the flows (call before start()): on_loaded() is handed to the loader at start
/// (see loaded_callback: after every run that committed rows, on a blocking-pool thread);
/// write_interval_artifacts(false) stops the loader's own periodic ingestion summary when a
/// scheduled flow stores get()->take_interval_summary() under its own run id instead.
class loader_stage final : public gg::stage {
 public:
  /// `database` must outlive the stage; `options.conninfo` is ignored.
  loader_stage(loader_options options, std::shared_ptr<const pg::database_source> database,
               loader_runtime runtime, std::vector<std::string> depends_on = {"pg", "eventlog"});

  std::string_view name() const noexcept override { return "loader"; }
  std::vector<std::string> depends_on() const override { return depends_on_; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  /// The callback the loader gets at start(). Call before start().
  void on_loaded(loaded_callback fn) { on_loaded_ = std::move(fn); }
  /// loader_options::interval_artifacts. Call before start().
  void write_interval_artifacts(bool on) noexcept { options_.interval_artifacts = on; }

  loader* get() const noexcept { return loader_.get(); }

 private:
  loader_options options_;
  std::shared_ptr<const pg::database_source> database_;
  loader_runtime runtime_;
  std::vector<std::string> depends_on_;
  loaded_callback on_loaded_;
  std::unique_ptr<loader> loader_;
};

}  // namespace gg::loader
