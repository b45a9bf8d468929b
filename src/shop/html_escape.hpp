#pragma once
// Escaping for values the server places into HTML pages.

#include <string>
#include <string_view>

namespace gg::shop {

/// Appends `text` for an HTML text node or a quoted attribute value: & < > " ' become
/// character references.
void append_html_escaped(std::string& out, std::string_view text);
std::string html_escape(std::string_view text);

/// Appends JSON text `json` for the inside of a <script type="application/json"> element:
/// < > & ' and U+2028/U+2029 become \uXXXX escapes, so no value can close the element or
/// open a comment. Only valid for JSON text (those characters may only occur inside strings,
/// where the escapes mean the same thing).
void append_script_json(std::string& out, std::string_view json);

}  // namespace gg::shop
