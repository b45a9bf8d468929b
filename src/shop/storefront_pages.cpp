#include <gadgetgrove/shop/storefront_pages.hpp>

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/shop/checkout.hpp>
#include "html_escape.hpp"
#include "shop_json.hpp"

#include <boost/json.hpp>

namespace gg::shop {
namespace {

constexpr std::string_view site_name = "GadgetGrove";

std::string build_state(const catalog& catalog) {
  boost::json::array cats;
  for (const auto& c : categories()) {
    cats.push_back(boost::json::object{{"slug", c.slug},
                                       {"name", c.name},
                                       {"prefix", c.prefix},
                                       {"count", catalog.in_category(c.slug).size()}});
  }
  boost::json::array products;
  products.reserve(catalog.products().size());
  for (const auto& p : catalog.products()) products.push_back(product_object(p));
  return json_text(
      boost::json::object{
          {"categories", std::move(cats)},
          {"products", std::move(products)},
          {"pricing",
           {{"free_shipping_from", dollars(free_shipping_from_cents)},
            {"shipping_fee", dollars(shipping_fee_cents)},
            {"tax_basis_points", tax_basis_points}}},
      },
      shop_decimals);
}

/// Replaces each `{{name}}` of `tpl` by what `fill` appends for it; unknown names stay.
template <class Fill>
std::string expand(std::string_view tpl, Fill&& fill) {
  std::string out;
  out.reserve(tpl.size() + 16 * 1024);
  while (true) {
    const auto open = tpl.find("{{");
    if (open == std::string_view::npos) break;
    const auto close = tpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(tpl.substr(0, open));
    const std::string_view key = tpl.substr(open + 2, close - open - 2);
    if (!fill(out, key)) out.append(tpl.substr(open, close + 2 - open));
    tpl.remove_prefix(close + 2);
  }
  out.append(tpl);
  return out;
}

}  // namespace

storefront_pages::storefront_pages(const catalog& catalog, std::string_view index_template)
    : state_json_(build_state(catalog)) {
  home_ = render(index_template, std::string{site_name} + " \u00b7 Gadgets worth keeping",
                 "Smartphones, laptops, tablets, headphones and smartwatches, hand-picked.");
  for (const auto& c : categories()) {
    const auto items = catalog.in_category(c.slug);
    categories_.emplace(
        std::string{c.slug},
        render(index_template, std::string{c.name} + " \u00b7 " + std::string{site_name},
               std::to_string(items.size()) + " " + std::string{c.name} + " in stock at " +
                   std::string{site_name} + "."));
  }
  for (const auto& p : catalog.products()) {
    products_.emplace(p.id, render(index_template, p.name + " \u00b7 " + std::string{site_name},
                                   p.name + " by " + p.brand + " in " + p.color + ", $" +
                                       format_cents(p.price_cents) + "."));
  }
}

rendered_page storefront_pages::render(std::string_view index_template, std::string_view title,
                                       std::string_view description) const {
  rendered_page page;
  page.html = expand(index_template, [&](std::string& out, std::string_view key) {
    if (key == "title") {
      append_html_escaped(out, title);
    } else if (key == "description") {
      append_html_escaped(out, description);
    } else if (key == "state") {
      append_script_json(out, state_json_);
    } else {
      return false;
    }
    return true;
  });
  char hex[16];
  gg::write_hex16(gg::checksum64(page.html), hex);
  page.etag.reserve(18);
  page.etag.push_back('"');
  page.etag.append(hex, 16);
  page.etag.push_back('"');
  return page;
}

const rendered_page& storefront_pages::category(std::string_view slug) const noexcept {
  const auto it = categories_.find(slug);
  return it == categories_.end() ? home_ : it->second;
}

const rendered_page& storefront_pages::product(std::string_view id) const noexcept {
  const auto it = products_.find(id);
  return it == products_.end() ? home_ : it->second;
}

}  // namespace gg::shop
