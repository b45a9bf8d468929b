#pragma once
// The single-page storefront's HTML, rendered once per route from the embedded index.html.

#include <gadgetgrove/shop/catalog.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace gg::shop {

/// One rendered page and its validator.
struct rendered_page {
  std::string html;
  std::string etag;  // quoted, from the XXH3 of `html`
};

/// The storefront document for the home page, each category page and each product page. The
/// template's `{{title}}` and `{{description}}` are replaced by HTML-escaped text and
/// `{{state}}` by the initial state (categories and products) as JSON escaped for a
/// <script type="application/json"> element, so no catalog value can inject markup. Pages are
/// rendered at construction; afterwards the object is immutable and safe to share between
/// threads. The catalog must outlive it only during construction.
class storefront_pages {
 public:
  storefront_pages(const catalog& catalog, std::string_view index_template);

  /// The home page; also served for every SPA path that names no category or product.
  const rendered_page& home() const noexcept { return home_; }
  /// The page of category `slug`, or home() when there is none.
  const rendered_page& category(std::string_view slug) const noexcept;
  /// The page of product `id`, or home() when there is none.
  const rendered_page& product(std::string_view id) const noexcept;

 private:
  rendered_page render(std::string_view index_template, std::string_view title,
                       std::string_view description) const;

  std::string state_json_;
  rendered_page home_;
  std::map<std::string, rendered_page, std::less<>> categories_;
  std::map<std::string, rendered_page, std::less<>> products_;
};

}  // namespace gg::shop
