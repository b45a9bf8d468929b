#include "html_escape.hpp"

namespace gg::shop {

void append_html_escaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view ref;
    switch (text[i]) {
      case '&':
        ref = "&amp;";
        break;
      case '<':
        ref = "&lt;";
        break;
      case '>':
        ref = "&gt;";
        break;
      case '"':
        ref = "&quot;";
        break;
      case '\'':
        ref = "&#39;";
        break;
      default:
        continue;
    }
    out.append(text.substr(plain, i - plain));
    out.append(ref);
    plain = i + 1;
  }
  out.append(text.substr(plain));
}

std::string html_escape(std::string_view text) {
  std::string out;
  append_html_escaped(out, text);
  return out;
}

void append_script_json(std::string& out, std::string_view json) {
  out.reserve(out.size() + json.size());
  std::size_t plain = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    std::string_view esc;
    std::size_t width = 1;
    const char c = json[i];
    if (c == '<') {
      esc = "\\u003c";
    } else if (c == '>') {
      esc = "\\u003e";
    } else if (c == '&') {
      esc = "\\u0026";
    } else if (c == '\'') {
      esc = "\\u0027";
    } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
      // U+2028 / U+2029: line terminators in older JavaScript string literals.
      esc = json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      width = 3;
    } else {
      continue;
    }
    out.append(json.substr(plain, i - plain));
    out.append(esc);
    i += width - 1;
    plain = i + 1;
  }
  out.append(json.substr(plain));
}

}  // namespace gg::shop
