#include <gadgetgrove/loader/loader_stage.hpp>

namespace gg::loader {

loader_stage::loader_stage(loader_options options,
                           std::shared_ptr<const pg::database_source> database,
                           loader_runtime runtime, std::vector<std::string> depends_on)
    : options_(std::move(options)),
      database_(std::move(database)),
      runtime_(runtime),
      depends_on_(std::move(depends_on)) {}

gg::status loader_stage::start() {
  auto options = options_;
  options.conninfo = database_->conninfo();
  loader_ = std::make_unique<loader>(std::move(options), runtime_);
  if (on_loaded_) loader_->on_loaded(on_loaded_);
  return loader_->start();
}

void loader_stage::request_stop() {
  if (loader_) loader_->request_stop();
}

gg::status loader_stage::drain(gg::deadline until) {
  if (!loader_) return {};
  return loader_->drain(until);
}

gg::health loader_stage::health() const {
  if (!loader_) return {health_state::starting, "loader not started"};
  return loader_->health();
}

}  // namespace gg::loader
