#pragma once
// Builds segment lines the way the event log frames them, for loader tests.

#include <gadgetgrove/eventlog/segment_format.hpp>

#include <string>
#include <string_view>

namespace gg::loader::test {

/// `object` (a JSON object text) framed by the event log, without the trailing '\n'.
inline std::string frame(std::string_view object) {
  std::string line;
  eventlog::append_framed(object, line);
  line.pop_back();
  return line;
}

}  // namespace gg::loader::test
