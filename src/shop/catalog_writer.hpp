#pragma once
// Writes the catalog to analytics.dim_products so the warehouse can join product facts.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/shop/catalog.hpp>

namespace gg::pg {
class connection;
}

namespace gg::shop {

/// Upserts every product of `catalog` into analytics.dim_products (sql/migrations/
/// 0003_shop.sql) in one transaction, every value a bound parameter. Products of other seeds
/// already in the table stay (old events still join to them). Blocks on the database; the
/// connection must not be in a transaction. Errors are the database's (retriable when the
/// server is unreachable).
status write_catalog(pg::connection& conn, const catalog& catalog);

}  // namespace gg::shop
