#include "loader_stage.hpp"

namespace gg::app {

loader::loader_options loader_options_for(const settings& s, std::string conninfo) {
  loader::loader_options o;
  o.data_dir = s.data_dir;
  o.conninfo = std::move(conninfo);
  o.threads = s.loader_threads;
  o.summary_interval = s.load_interval;
  return o;
}

gg::status loader_stage::start() {
  auto options = loader_options_for(settings_, db_->conninfo());
  options.interval_artifacts = interval_artifacts_;
  loader_ = std::make_unique<loader::loader>(std::move(options), runtime_);
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

}  // namespace gg::app
