#pragma once
// The admin web console: the pages of the admin listener (pipeline, dashboard) and their shared
// stylesheet, header and scripts, all embedded in the binary from src/console/web/.

#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/static_assets.hpp>

#include <string>
#include <string_view>

namespace gg::console {

/// Sent with every console response. No inline script or style can run under it, so the pages
/// build their DOM from script files and style it from the stylesheet only.
inline constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Where the console's scripts and stylesheet are served: /console/<file>.
inline constexpr std::string_view asset_prefix = "/console/";

/// Adds the console to the admin router `admin`:
///   GET / and /dashboard the analytics dashboard (panels of /api/dashboard/<panel>)
///   GET /pipeline        the pipeline page (flows, runs, a run's tasks, log and artifacts)
///   GET /console/<file>  the embedded scripts, stylesheet and images, and the charting
///                        library under vendor/ (no .html: pages are served only at their own
///                        path, rendered with the shared header)
///   GET /console/v/<version>/<file>  the same files under this build's version (what the
///                        pages link to), Cache-Control: public, max-age=31536000, immutable;
///                        another version answers 404
/// Every answer carries the CSP above, X-Content-Type-Options: nosniff and Referrer-Policy:
/// same-origin; pages and unversioned files are revalidated by ETag (Cache-Control: no-cache),
/// so a new binary's pages, and through them its files, are used at once. Authentication is the
/// admin listener's guard, which runs before any route. Pages are rendered here, once: throws
/// std::invalid_argument (start-up only) when an embedded page uses a template construct other than
/// {{header}}, or a route exists.
void add_console_routes(http::router& admin);

/// The embedded files of src/console/web/, sorted by path.
const http::static_assets& console_assets() noexcept;

/// The path of embedded file `file` (a name under web/, e.g. "console.css") under this build's
/// version: "/console/v/<console_assets().version()>/<file>". Whether the file exists is not
/// checked.
std::string versioned_asset_path(std::string_view file);

}  // namespace gg::console
