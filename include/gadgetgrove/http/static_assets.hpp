#pragma once
// Files compiled into the binary (gg_embed_assets() in cmake/gg.cmake) and how they are served:
// content type, a strong ETag from the content's SHA-256, If-None-Match → 304, Cache-Control.

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/response.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>

namespace gg::http {

/// One embedded file. All views point into static storage.
struct static_asset {
  std::string_view path;          // relative to the embedded folder, e.g. "app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view etag;  // quoted strong validator from the content's SHA-256: "\"1a2b...\""
};

/// A read-only table of embedded files sorted by path, as gg_embed_assets() generates it. It
/// only views the files (static storage); every member is safe from any number of threads.
class static_assets {
 public:
  /// `sorted` must be sorted by path without duplicates and outlive the table; `version` (static
  /// storage) names this set of files' contents, see version().
  constexpr explicit static_assets(std::span<const static_asset> sorted,
                                   std::string_view version = {}) noexcept
      : assets_(sorted), version_(version) {}

  /// The file at `path` (relative to the embedded folder, no leading '/'); nullptr if none.
  const static_asset* find(std::string_view path) const noexcept {
    const auto it =
        std::lower_bound(assets_.begin(), assets_.end(), path,
                         [](const static_asset& a, std::string_view p) { return a.path < p; });
    return it != assets_.end() && it->path == path ? &*it : nullptr;
  }

  std::span<const static_asset> all() const noexcept { return assets_; }

  /// What gg_embed_assets() computes at build time from every file, so it changes whenever any
  /// file's name or content does: the first 20 hex digits of the SHA-256 of one line
  /// "<path> <ETag without quotes>\n" per file, in table order. Files served under it never
  /// change, so they can be cached for good. Empty for a table built without one.
  std::string_view version() const noexcept { return version_; }
  auto begin() const noexcept { return assets_.begin(); }
  auto end() const noexcept { return assets_.end(); }
  std::size_t size() const noexcept { return assets_.size(); }

 private:
  std::span<const static_asset> assets_;
  std::string_view version_;
};

/// True when `if_none_match` (the If-None-Match value) lists `etag` or is "*"; weak validators
/// compare by their opaque part (RFC 9110 §13.1.2 weak comparison).
bool etag_matches(std::optional<std::string_view> if_none_match, std::string_view etag) noexcept;

/// The answer to a GET or HEAD of a resource with validator `etag`: 304 without a body when the
/// request's If-None-Match matches, else 200 with `content_type` and `body`; both carry ETag and
/// `cache_control`. For HEAD the server sends the head only (Content-Length still counts the
/// body). Security headers are the caller's.
response validated_response(const request& req, std::string_view content_type,
                            std::string_view body, std::string_view etag,
                            std::string_view cache_control);

/// validated_response() for an embedded file.
response asset_response(const request& req, const static_asset& asset,
                        std::string_view cache_control);

/// The quoted strong ETag gg_embed_assets() gives a file: the first 20 hex digits of the SHA-256
/// of `content`, for responses built at run time (a page rendered from embedded files).
std::string content_etag(std::string_view content);

}  // namespace gg::http
