#include "catalog_writer.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <cstdint>

namespace gg::shop {
namespace {

constexpr std::string_view upsert_sql = R"(
INSERT INTO analytics.dim_products
  (product_id, name, brand, category, price, color, rating, in_stock, features, catalog_seed,
   updated_at)
VALUES ($1, $2, $3, $4, $5::numeric, $6, $7::numeric, $8::boolean, $9::jsonb, $10::bigint, now())
ON CONFLICT (product_id) DO UPDATE SET
  name = EXCLUDED.name, brand = EXCLUDED.brand, category = EXCLUDED.category,
  price = EXCLUDED.price, color = EXCLUDED.color, rating = EXCLUDED.rating,
  in_stock = EXCLUDED.in_stock, features = EXCLUDED.features,
  catalog_seed = EXCLUDED.catalog_seed, updated_at = now())";

}  // namespace

status write_catalog(pg::connection& conn, const catalog& catalog) {
  if (auto st = conn.begin(); !st) return st;
  // bigint is signed: a seed above 2^63 is stored as its two's-complement bit pattern.
  const auto seed = static_cast<std::int64_t>(catalog.seed());
  for (const product& p : catalog.products()) {
    const std::string price = format_cents(p.price_cents);
    const std::string rating = format_rating(p.rating_tenths);
    const std::string_view features =
        p.features_json.empty() ? std::string_view{"{}"} : std::string_view{p.features_json};
    auto r = conn.exec(upsert_sql, p.id, p.name, p.brand, p.category, price, p.color, rating,
                       p.in_stock, features, seed);
    if (!r) {
      (void)conn.rollback();
      return r.error();
    }
  }
  return conn.commit();
}

}  // namespace gg::shop
