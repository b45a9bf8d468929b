-- One row per product fact of a human visitor: a product_view or add_to_cart event (line_no 0)
-- or one line of an order the shop completed (line_no 1, 2, ...: the order_completed event's
-- items), with fact_date, the reporting day of the event. Purchases are taken from the shop's own order events only, because the browser's
-- purchase event carries no items. Incremental: each run adds the facts of newly loaded
-- events (the runner filters stg_ecommerce_events to the rows loaded since the last run, by load stamp).
-- The unique key's index serves the merge's delete of reprocessed facts, which without it read
-- the whole table on every run.
{{ config(
    materialized='incremental',
    unique_key=['event_id', 'line_no'],
    event_time='loaded_at',
    load_stamp='load_xid',
    indexes=[
      {'columns': ['event_id', 'line_no'], 'unique': True},
      {'columns': ['fact_date', 'product_id']},
      {'columns': ['session_id']},
      {'columns': ['load_xid']}
    ]
) }}

with events as (
    select *
    from {{ ref('stg_ecommerce_events') }}
    where not is_bot {{ and_not_synthetic() }}
),

browsing as (
    select
        event_id,
        0 as line_no,
        ecommerce_action as action,
        session_id,
        product_id,
        product_name,
        product_brand,
        product_category,
        product_price,
        case when ecommerce_action = 'add_to_cart' then coalesce(quantity, 1) end as quantity,
        cast(null as numeric) as revenue,
        cast(null as text) as transaction_id,
        event_at,
        {{ reporting_day('event_at') }} as fact_date,
        is_synthetic,
        loaded_at, load_xid
    from events
    where ecommerce_action in ('product_view', 'add_to_cart')
      and product_id is not null
),

order_lines as (
    select
        events.event_id,
        item.line_no::integer as line_no,
        'purchase' as action,
        events.session_id,
        {{ json_text('item.value', 'product_id') }} as product_id,
        {{ json_text('item.value', 'name') }} as product_name,
        {{ json_text('item.value', 'brand') }} as product_brand,
        {{ json_text('item.value', 'category') }} as product_category,
        {{ json_numeric('item.value', 'price') }} as product_price,
        coalesce({{ json_integer('item.value', 'quantity') }}, 1) as quantity,
        events.transaction_id,
        events.event_at,
        {{ reporting_day('events.event_at') }} as fact_date,
        events.is_synthetic,
        events.loaded_at, events.load_xid
    from events
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(events.properties -> 'items') = 'array'
             then events.properties -> 'items' else '[]'::jsonb end
    ) with ordinality as item(value, line_no)
    where events.event_name = 'order_completed'
)

select * from browsing
union all
select
    event_id, line_no, action, session_id, product_id, product_name, product_brand,
    product_category, product_price, quantity, product_price * quantity as revenue,
    transaction_id, event_at, fact_date, is_synthetic, loaded_at, load_xid
from order_lines
where product_id is not null
