#include "reject_reason.hpp"

#include <gadgetgrove/core/utf8.hpp>

namespace gg::loader {

std::string_view to_string(reject_code code) noexcept {
  switch (code) {
    case reject_code::torn_line:
      return "torn_line";
    case reject_code::missing_checksum:
      return "missing_checksum";
    case reject_code::checksum_mismatch:
      return "checksum_mismatch";
    case reject_code::invalid_json:
      return "invalid_json";
    case reject_code::missing_event_id:
      return "missing_event_id";
    case reject_code::invalid_event_id:
      return "invalid_event_id";
    case reject_code::missing_server_timestamp:
      return "missing_server_timestamp";
    case reject_code::invalid_timestamp:
      return "invalid_timestamp";
    case reject_code::wrong_type:
      return "wrong_type";
    case reject_code::unsupported_value:
      return "unsupported_value";
    case reject_code::duplicate_event_id:
      return "duplicate_event_id";
    case reject_code::database_error:
      return "database_error";
  }
  return "unknown";
}

std::string reject_reason::to_string() const {
  std::string text{loader::to_string(code)};
  if (!field.empty()) {
    text += ':';
    text += field;
  }
  return text;
}

void append_storable_text(std::string& out, std::string_view raw) {
  append_repaired_utf8(out, raw, true);
}

}  // namespace gg::loader
