#pragma once
// JSON string output shared by logging and every stage that writes JSON by hand.

#include <string>
#include <string_view>

namespace gg {

/// Appends `s` to `out` as a quoted JSON string. Valid UTF-8 passes through unchanged; each
/// maximal invalid UTF-8 subsequence becomes \ufffd; quote, backslash and control characters
/// are escaped. Runs of plain ASCII are copied eight bytes at a time.
void append_json_string(std::string& out, std::string_view s);

/// As append_json_string, without the surrounding quotes.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace gg
