#include "loader_options.hpp"

namespace gg::app {

loader::loader_options loader_options_for(const settings& s, std::string conninfo) {
  loader::loader_options o;
  o.data_dir = s.data_dir;
  o.conninfo = std::move(conninfo);
  o.node_id = s.node_id;
  o.threads = s.loader_threads;
  o.summary_interval = s.load_interval;
  return o;
}

}  // namespace gg::app
