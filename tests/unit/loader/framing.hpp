#pragma once
// Builds segment lines the way the event log frames them, for loader tests.

#include <gadgetgrove/core/checksum.hpp>

#include <string>
#include <string_view>

namespace gg::loader::test {

/// `object` (a JSON object text) with its closing brace replaced by the checksum tail, without
/// the trailing '\n'.
inline std::string frame(std::string_view object) {
  std::string body{object.substr(0, object.rfind('}'))};
  char hex[16];
  write_hex16(checksum64(body), hex);
  return body + R"(,"_checksum":")" + std::string(hex, 16) + "\"}";
}

}  // namespace gg::loader::test
