-- One row per session and product the session has a product fact for (int_product_events: a
-- view, an add to cart or an order line): the session's reporting day, the product's category
-- (the shop's catalog, else the events'), and the session's views, adds, units sold and revenue
-- of the product. The product and category filters and the filtered products panel read it.
--
-- Incremental by session, like dashboard_page_views: the facts of the sessions changed since the last run
-- are read from int_product_events unfiltered (through its session_id index).
{{ config(
    materialized='incremental',
    unique_key='session_id',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[
      {'columns': ['session_id']},
      {'columns': ['product_id', 'session_date']},
      {'columns': ['product_category', 'session_date']},
      {'columns': ['last_load_xid']}
    ]
) }}

with sessions as (
    select session_id, session_date, last_loaded_at, last_load_xid
    from {{ ref('dashboard_sessions') }}
),

facts as (
    select
        facts.session_id,
        facts.product_id,
        count(*) filter (where facts.action = 'product_view') as views,
        count(*) filter (where facts.action = 'add_to_cart') as cart_adds,
        coalesce(sum(facts.quantity) filter (where facts.action = 'purchase'), 0) as units_sold,
        coalesce(sum(facts.revenue), 0) as revenue,
        max(facts.product_category) as event_category
    from {{ ref('int_product_events').render() }} as facts
    where facts.session_id in (select session_id from sessions)
    group by facts.session_id, facts.product_id
)

select
    facts.session_id,
    sessions.session_date,
    facts.product_id,
    coalesce(products.category, facts.event_category) as product_category,
    facts.views,
    facts.cart_adds,
    facts.units_sold,
    facts.revenue,
    sessions.last_loaded_at, sessions.last_load_xid
from facts
join sessions on sessions.session_id = facts.session_id
left join {{ source('shop', 'dim_products') }} as products
    on products.product_id = facts.product_id
