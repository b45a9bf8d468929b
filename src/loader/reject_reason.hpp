#pragma once
// Why a segment line did not become a raw_data row. The text form is what
// raw_data.rejected_events.reason and the rejects metric carry.

#include <cstdint>
#include <string>
#include <string_view>

namespace gg::loader {

enum class reject_code : std::uint8_t {
  torn_line,          // the file's last line has no '\n' (a write cut short)
  missing_checksum,   // the line does not end with the `,"_checksum":"<hex>"}` tail
  checksum_mismatch,  // the tail's hash differs from the line's bytes
  invalid_json,       // not one well-formed JSON object
  missing_event_id,
  invalid_event_id,  // not a canonical UUID
  missing_server_timestamp,
  invalid_timestamp,   // a timestamp field that is not ISO 8601
  wrong_type,          // a mapped field of the wrong JSON type; `field` names it
  unsupported_value,   // valid JSON PostgreSQL cannot store (\u0000, a huge exponent)
  duplicate_event_id,  // the event_id is already loaded (a client's retry)
  database_error,      // PostgreSQL refused the row itself; `field` holds the SQLSTATE
};

/// A reject code and, for wrong_type / unsupported_value / database_error, the field (or
/// SQLSTATE) it concerns. `field` must point to storage that outlives the reason: the parser
/// only uses string literals.
struct reject_reason {
  reject_code code = reject_code::invalid_json;
  std::string_view field;

  /// "checksum_mismatch", "wrong_type:userId", "database_error:22P02", ...
  std::string to_string() const;

  friend bool operator==(const reject_reason&, const reject_reason&) = default;
};

std::string_view to_string(reject_code code) noexcept;

/// Appends `raw` as text PostgreSQL accepts (gg::append_repaired_utf8): valid UTF-8 passes
/// unchanged, each maximal invalid subpart and each NUL becomes U+FFFD. Rejected lines are stored
/// this way (a torn or corrupted line may be anything).
void append_storable_text(std::string& out, std::string_view raw);

}  // namespace gg::loader
