-- One row per product and reporting day (fact_date) with product facts: the counts and the
-- distinct sessions at each stage on that day, revenue, and the product's attributes as the
-- events gave them. product_performance sums these rows, so it reads a few rows per product
-- and day instead of every product event.
--
-- Incremental by (product, day): the product days of the facts loaded since the last run
-- are recomputed from all of that day's facts (int_product_events read unfiltered with
-- ref(...).render(), through its (fact_date, product_id) index) and replace their rows. A
-- fact never changes its day and facts are never removed, so a recomputed row is exactly what a
-- full refresh computes.
{{ config(
    materialized='incremental',
    unique_key=['product_id', 'fact_date'],
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['product_id', 'fact_date'], 'unique': True}, {'columns': ['last_load_xid']}]
) }}

with
{% if is_incremental() %}
touched as (
    select distinct product_id, fact_date from {{ ref('int_product_events') }}
),
{% endif %}

facts as (
    select facts.*
    from {{ ref('int_product_events').render() }} as facts
    {% if is_incremental() %}
    join touched
      on touched.product_id = facts.product_id and touched.fact_date = facts.fact_date
    {% endif %}
)

select
    product_id,
    fact_date,
    count(*) as total_events,
    count(*) filter (where action = 'product_view') as views,
    count(*) filter (where action = 'add_to_cart') as cart_adds,
    coalesce(sum(quantity) filter (where action = 'add_to_cart'), 0) as units_carted,
    count(*) filter (where action = 'purchase') as purchases,
    coalesce(sum(quantity) filter (where action = 'purchase'), 0) as units_sold,
    count(distinct session_id) filter (where action = 'product_view') as viewing_sessions,
    count(distinct session_id) filter (where action = 'add_to_cart') as carting_sessions,
    count(distinct session_id) filter (where action = 'purchase') as purchasing_sessions,
    coalesce(sum(revenue), 0) as revenue,
    max(product_name) as product_name,
    max(product_brand) as product_brand,
    max(product_category) as product_category,
    max(product_price) as product_price,
    max(loaded_at) as last_loaded_at,
    max(load_xid) as last_load_xid
from facts
group by product_id, fact_date
