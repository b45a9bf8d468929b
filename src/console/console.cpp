#include <gadgetgrove/console/console.hpp>

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>
#include "page_template.hpp"

#include "content_coding.hpp"
#include "gg_console_assets.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace gg::console {
namespace {

using http::verb;

/// A page of the console: its path, its template under web/, and the data-page of its link in
/// the shared header. A new page is one line here and one link in header.html.
struct page_source {
  std::string_view path;
  std::string_view file;
  std::string_view name;
};

// The dashboard's first requests for its default view (the last 30 days, no filter: no query),
// the ones dashboard_boot.js sends: announced with the page (Link: rel=preload, RFC 8288), the
// browser asks for them as soon as the page's head is in, before any script has run, and the
// module's fetch() takes those answers. A page with a query (another range, filters) asks for
// others, so it gets none. The console's unit test checks the list against dashboard_boot.js.
constexpr std::string_view dashboard_early_requests =
    "</api/dashboard/kpis>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/daily>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/outcomes>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/funnel>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/products>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/cohorts>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/pages>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/sources>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/live>; rel=preload; as=fetch; crossorigin, "
    "</api/dashboard/health>; rel=preload; as=fetch; crossorigin";

constexpr page_source pages[] = {
    {"/", "dashboard.html", "dashboard"},
    {"/dashboard", "dashboard.html", "dashboard"},
    {"/pipeline", "pipeline.html", "pipeline"},
};

constexpr std::string_view header_file = "header.html";

struct rendered {
  std::string html;
  std::string etag;
};

void add_console_headers(http::response& r) {
  r.set_header("Content-Security-Policy", std::string{content_security_policy});
  r.set_header("X-Content-Type-Options", "nosniff");
  r.set_header("Referrer-Policy", "same-origin");
}

http::response not_found() {
  auto r = http::error_json(404, "not found");
  r.set_header("Cache-Control", "no-store");
  add_console_headers(r);
  return r;
}

// A file under its versioned path never changes (another build has another version), so the
// browser keeps it for a year without asking again; the pages themselves are revalidated each
// time and name the files of the binary that answers.
constexpr std::string_view forever = "public, max-age=31536000, immutable";
constexpr std::string_view revalidate = "no-cache";

// "v/<version>/", between asset_prefix and the file's name.
constexpr std::string_view version_segment = "v/";

/// The answer for embedded file `file` (a name under web/), nullptr if there is none.
/// Pages are served only rendered, at their own path; a compressed copy only as the encoding
/// of its file.
const http::static_asset* servable(std::string_view file) {
  if (file.ends_with(".html") || file.ends_with(".gz")) return nullptr;
  return detail::embedded_assets().find(file);
}

void send_asset(http::request&& req, http::responder res, const http::static_asset& a,
                std::string_view cache_control) {
  const auto* gz = detail::embedded_assets().find(std::string{a.path} + ".gz");
  http::response r;
  if (gz != nullptr && accepts_gzip(req.header("Accept-Encoding"))) {
    // The compressed bytes are a representation of their own, with their own strong ETag
    // (RFC 9110 §8.8.3), and the uncompressed file's content type.
    r = http::validated_response(req, a.content_type, gz->body, gz->etag, cache_control);
    r.set_header("Content-Encoding", "gzip");
  } else {
    r = http::asset_response(req, a, cache_control);
  }
  if (gz != nullptr) r.set_header("Vary", "Accept-Encoding");
  add_console_headers(r);
  std::move(res).send(std::move(r));
}

const http::static_asset& embedded(std::string_view file) {
  const auto* a = detail::embedded_assets().find(file);
  if (a == nullptr) {
    throw std::invalid_argument("console: " + std::string{file} + " is not embedded");
  }
  return *a;
}

}  // namespace

const http::static_assets& console_assets() noexcept { return detail::embedded_assets(); }

std::string versioned_asset_path(std::string_view file) {
  return std::string{asset_prefix} + std::string{version_segment} +
         std::string{detail::embedded_assets().version()} + "/" + std::string{file};
}

void add_console_routes(http::router& admin) {
  const std::string_view header = embedded(header_file).body;
  if (detail::embedded_assets().version().empty()) {
    throw std::invalid_argument("console: the embedded files have no version");
  }
  // The pages name their files under this build's version: "/console/v/<version>".
  std::string assets = versioned_asset_path("");
  assets.pop_back();
  for (const auto& p : pages) {
    auto html = render_page(p.file, embedded(p.file).body, header, p.name, assets);
    if (!html) throw std::invalid_argument("console: " + html.error().message);
    auto page = std::make_shared<const rendered>(rendered{*html, http::content_etag(*html)});
    const bool dashboard = p.name == "dashboard";
    admin.add(verb::get, std::string{p.path},
              [page, dashboard](http::request&& req, http::responder res) {
                auto r = http::validated_response(req, "text/html; charset=utf-8", page->html,
                                                  page->etag, "no-cache");
                if (dashboard && req.query().empty()) {
                  r.set_header("Link", std::string{dashboard_early_requests});
                }
                add_console_headers(r);
                std::move(res).send(std::move(r));
              });
  }
  admin.add_prefix(
      verb::get, std::string{asset_prefix}, [](http::request&& req, http::responder res) {
        std::string_view file = req.path();
        file.remove_prefix(asset_prefix.size());
        if (file.starts_with(version_segment)) {
          // v/<version>/<file>: this build's files for good; any other version (an older
          // build's page, a made-up one) is not here.
          file.remove_prefix(version_segment.size());
          const auto slash = file.find('/');
          const auto* a = slash == std::string_view::npos ||
                                  file.substr(0, slash) != detail::embedded_assets().version()
                              ? nullptr
                              : servable(file.substr(slash + 1));
          if (a == nullptr) {
            std::move(res).send(not_found());
          } else {
            send_asset(std::move(req), std::move(res), *a, forever);
          }
          return;
        }
        const auto* a = servable(file);
        if (a == nullptr) {
          std::move(res).send(not_found());
          return;
        }
        // no-cache: revalidated by ETag each time, for links that name a file without its
        // version (the pages use the versioned names).
        send_asset(std::move(req), std::move(res), *a, revalidate);
      });
}

}  // namespace gg::console
