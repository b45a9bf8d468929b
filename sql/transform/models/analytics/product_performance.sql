-- One row per product seen in a human visitor's product events: its facts from the shop's
-- catalog (analytics.dim_products; from the events when the catalog does not know the id),
-- views, adds to cart and purchases (order lines of completed orders), the sessions at each
-- stage (distinct per reporting day, summed over days: a session that views a product on two
-- days counts on both), revenue (price x quantity of the order lines) and the stage rates.
-- Summed from int_product_daily.
{{ config(
    materialized='table',
    indexes=[{'columns': ['product_id'], 'unique': True}]
) }}

with facts as (
    select
        product_id,
        sum(total_events) as total_events,
        sum(views) as views,
        sum(cart_adds) as cart_adds,
        sum(units_carted) as units_carted,
        sum(purchases) as purchases,
        sum(units_sold) as units_sold,
        sum(viewing_sessions) as viewing_sessions,
        sum(carting_sessions) as carting_sessions,
        sum(purchasing_sessions) as purchasing_sessions,
        sum(revenue) as revenue,
        max(product_name) as event_name,
        max(product_brand) as event_brand,
        max(product_category) as event_category,
        max(product_price) as event_price
    from {{ ref('int_product_daily') }}
    group by product_id
)

select
    facts.product_id,
    coalesce(products.name, facts.event_name) as product_name,
    coalesce(products.brand, facts.event_brand) as product_brand,
    coalesce(products.category, facts.event_category) as product_category,
    coalesce(products.price, facts.event_price) as product_price,
    facts.total_events,
    facts.views,
    facts.cart_adds,
    facts.units_carted,
    facts.purchases,
    facts.units_sold,
    facts.viewing_sessions,
    facts.carting_sessions,
    facts.purchasing_sessions,
    facts.revenue,
    round(facts.carting_sessions::numeric / nullif(facts.viewing_sessions, 0), 4)
        as view_to_cart_rate,
    round(facts.purchasing_sessions::numeric / nullif(facts.carting_sessions, 0), 4)
        as cart_to_purchase_rate
from facts
left join {{ source('shop', 'dim_products') }} as products
    on products.product_id = facts.product_id
