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

const http::static_asset& embedded(std::string_view file) {
  const auto* a = detail::embedded_assets().find(file);
  if (a == nullptr) {
    throw std::invalid_argument("console: " + std::string{file} + " is not embedded");
  }
  return *a;
}

}  // namespace

const http::static_assets& console_assets() noexcept { return detail::embedded_assets(); }

void add_console_routes(http::router& admin) {
  const std::string_view header = embedded(header_file).body;
  for (const auto& p : pages) {
    auto html = render_page(p.file, embedded(p.file).body, header, p.name);
    if (!html) throw std::invalid_argument("console: " + html.error().message);
    auto page = std::make_shared<const rendered>(rendered{*html, http::content_etag(*html)});
    admin.add(verb::get, std::string{p.path}, [page](http::request&& req, http::responder res) {
      auto r = http::validated_response(req, "text/html; charset=utf-8", page->html, page->etag,
                                        "no-cache");
      add_console_headers(r);
      std::move(res).send(std::move(r));
    });
  }
  admin.add_prefix(
      verb::get, std::string{asset_prefix}, [](http::request&& req, http::responder res) {
        std::string_view file = req.path();
        file.remove_prefix(asset_prefix.size());
        // Pages are served only rendered, at their own path; a compressed copy only as the
        // encoding of its file.
        const auto* a = file.ends_with(".html") || file.ends_with(".gz")
                            ? nullptr
                            : detail::embedded_assets().find(file);
        if (a == nullptr) {
          std::move(res).send(not_found());
          return;
        }
        // no-cache: revalidated by ETag each time, so the ES modules (which import
        // each other by unversioned name) never mix two builds.
        const auto* gz = detail::embedded_assets().find(std::string{file} + ".gz");
        http::response r;
        if (gz != nullptr && accepts_gzip(req.header("Accept-Encoding"))) {
          // The compressed bytes are a representation of their own, with their own strong
          // ETag (RFC 9110 §8.8.3), and the uncompressed file's content type.
          r = http::validated_response(req, a->content_type, gz->body, gz->etag, "no-cache");
          r.set_header("Content-Encoding", "gzip");
        } else {
          r = http::asset_response(req, *a, "no-cache");
        }
        if (gz != nullptr) r.set_header("Vary", "Accept-Encoding");
        add_console_headers(r);
        std::move(res).send(std::move(r));
      });
}

}  // namespace gg::console
