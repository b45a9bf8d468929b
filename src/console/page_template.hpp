#pragma once
// The two template constructs of the console's pages: the shared header and where the files are.

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <string_view>

namespace gg::console {

/// Renders the page template `tpl` (from file `file`, named in errors): its single `{{header}}`
/// becomes `header`, in which the element carrying `data-page="<current>"` is marked
/// aria-current="page"; each `{{assets}}` becomes `assets` (the path the page's scripts,
/// stylesheet and images are served under, without a trailing '/'). Errors
/// (errc::invalid_input) name file:line:column and the construct: any other `{{...}}`, an
/// unclosed `{{`, a missing or repeated `{{header}}`, or a header without a link for `current`.
/// Pure; safe from any thread.
gg::result<std::string> render_page(std::string_view file, std::string_view tpl,
                                    std::string_view header, std::string_view current,
                                    std::string_view assets);

}  // namespace gg::console
