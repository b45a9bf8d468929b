#pragma once
// Builds the loader once the database is up: its connection string is only known after the
// `pg` stage has resolved (and perhaps started) the database.

#include "database.hpp"
#include "settings.hpp"

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/loader/loader.hpp>

#include <memory>

namespace gg::app {

/// The "loader" stage of `serve`. Thread safety as gg::loader::loader once started; get() is
/// null before start().
class loader_stage final : public gg::stage {
 public:
  loader_stage(const settings& s, std::shared_ptr<database_stage> db)
      : settings_(s), db_(std::move(db)) {}

  std::string_view name() const noexcept override { return "loader"; }
  std::vector<std::string> depends_on() const override { return {"pg", "eventlog"}; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  loader::loader* get() const noexcept { return loader_.get(); }

 private:
  settings settings_;
  std::shared_ptr<database_stage> db_;
  std::unique_ptr<loader::loader> loader_;
};

/// The loader options for `settings` and a database conninfo.
loader::loader_options loader_options_for(const settings& s, std::string conninfo);

}  // namespace gg::app
