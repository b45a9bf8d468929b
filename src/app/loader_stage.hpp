#pragma once
// Builds the loader once the database is up: its connection string is only known after the
// `pg` stage has resolved (and perhaps started) the database.

#include "database.hpp"
#include "settings.hpp"

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/loader/loader.hpp>

#include <memory>

namespace gg::app {

/// The "loader" stage of `serve`: continuous loading on the scheduler's io_context (inotify,
/// timers) and blocking pool (micro-batches, workers), given as `runtime`. Thread safety as
/// gg::loader::loader once started; get() is null before start().
///
/// Hooks for the flows (call before start()): on_loaded() is handed to the loader at start
/// (see gg::loader::loaded_callback: after every run that committed rows, on a blocking-pool
/// thread); write_interval_artifacts(false) stops the loader's own periodic ingestion summary
/// when a scheduled flow stores get()->take_interval_summary() under its own run id instead.
class loader_stage final : public gg::stage {
 public:
  loader_stage(const settings& s, std::shared_ptr<database_stage> db,
               loader::loader_runtime runtime)
      : settings_(s), db_(std::move(db)), runtime_(runtime) {}

  std::string_view name() const noexcept override { return "loader"; }
  std::vector<std::string> depends_on() const override { return {"pg", "eventlog"}; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  /// The callback the loader gets at start(). Call before start().
  void on_loaded(loader::loaded_callback fn) { on_loaded_ = std::move(fn); }
  /// loader_options::interval_artifacts (default true). Call before start().
  void write_interval_artifacts(bool on) noexcept { interval_artifacts_ = on; }

  loader::loader* get() const noexcept { return loader_.get(); }

 private:
  settings settings_;
  std::shared_ptr<database_stage> db_;
  loader::loader_runtime runtime_;
  loader::loaded_callback on_loaded_;
  bool interval_artifacts_ = true;
  std::unique_ptr<loader::loader> loader_;
};

/// The loader options for `settings` and a database conninfo.
loader::loader_options loader_options_for(const settings& s, std::string conninfo);

}  // namespace gg::app
