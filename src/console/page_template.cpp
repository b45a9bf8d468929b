#include "page_template.hpp"

#include <algorithm>

namespace gg::console {
namespace {

/// "file:line:column" of byte `at` of `text` (both 1-based).
std::string location(std::string_view file, std::string_view text, std::size_t at) {
  const std::string_view before = text.substr(0, at);
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const auto last_newline = before.rfind('\n');
  const auto column = last_newline == std::string_view::npos ? at + 1 : at - last_newline;
  return std::string{file} + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

gg::result<std::string> render_page(std::string_view file, std::string_view tpl,
                                    std::string_view header, std::string_view current,
                                    std::string_view assets) {
  const std::string marker = "data-page=\"" + std::string{current} + "\"";
  const auto link = header.find(marker);
  if (current.empty() || link == std::string_view::npos) {
    return gg::fail(errc::invalid_input, std::string{file} +
                                             ": the shared header has no link "
                                             "with " +
                                             marker);
  }
  std::string marked_header;
  marked_header.reserve(header.size() + 24);
  marked_header.append(header.substr(0, link + marker.size()));
  marked_header.append(" aria-current=\"page\"");
  marked_header.append(header.substr(link + marker.size()));

  std::string out;
  out.reserve(tpl.size() + marked_header.size());
  std::size_t headers = 0;
  std::size_t at = 0;
  while (true) {
    const auto open = tpl.find("{{", at);
    if (open == std::string_view::npos) break;
    const auto close = tpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return gg::fail(errc::invalid_input,
                      location(file, tpl, open) + ": unclosed template construct '{{'");
    }
    const std::string_view construct = tpl.substr(open, close + 2 - open);
    if (construct == "{{assets}}") {
      out.append(tpl.substr(at, open - at));
      out.append(assets);
      at = close + 2;
      continue;
    }
    if (construct != "{{header}}") {
      return gg::fail(errc::invalid_input,
                      location(file, tpl, open) + ": unsupported template construct '" +
                          std::string{construct} + "' (only {{header}} and {{assets}} are known)");
    }
    if (++headers > 1) {
      return gg::fail(errc::invalid_input,
                      location(file, tpl, open) + ": {{header}} appears more than once");
    }
    out.append(tpl.substr(at, open - at));
    out.append(marked_header);
    at = close + 2;
  }
  if (headers == 0) {
    return gg::fail(errc::invalid_input, std::string{file} + ": the page has no {{header}}");
  }
  out.append(tpl.substr(at));
  return out;
}

}  // namespace gg::console
