-- The shop's product dimension: one row per product id of every catalog seed the shop has
-- served, upserted at start-up, so the warehouse can join events to product facts.
CREATE SCHEMA IF NOT EXISTS analytics;

CREATE TABLE IF NOT EXISTS analytics.dim_products (
    product_id   text PRIMARY KEY,
    name         text NOT NULL,
    brand        text NOT NULL,
    category     text NOT NULL,
    price        numeric(10,2) NOT NULL CHECK (price >= 0),
    color        text NOT NULL,
    rating       numeric(2,1) NOT NULL CHECK (rating BETWEEN 0 AND 5),
    in_stock     boolean NOT NULL,
    features     jsonb NOT NULL DEFAULT '{}'::jsonb,
    catalog_seed bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS dim_products_category_idx ON analytics.dim_products (category);
CREATE INDEX IF NOT EXISTS dim_products_catalog_seed_idx ON analytics.dim_products (catalog_seed);
