#include <gadgetgrove/broker/stream_queue.hpp>

namespace gg::broker {

std::string stream_name(std::string_view queue) {
  std::string out = "gadgetgrove.";
  out.append(queue);
  return out;
}

}  // namespace gg::broker
