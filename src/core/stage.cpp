#include <gadgetgrove/core/stage.hpp>

namespace gg {

std::string_view to_string(health_state s) noexcept {
  switch (s) {
    case health_state::starting:
      return "starting";
    case health_state::up:
      return "up";
    case health_state::degraded:
      return "degraded";
    case health_state::down:
      return "down";
    case health_state::stopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace gg
