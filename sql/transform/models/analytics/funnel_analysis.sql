-- One row per reporting day: how many of the day's sessions reached each funnel stage and the
-- rate from each stage to the next and overall. The stages nest: purchase = an order; cart =
-- an add to cart or an order; product = a product view or a later stage; browse = more than
-- one page view or a later stage. A session that skipped a step (an add to cart from a list
-- page) counts for the step it skipped, so every rate is at most 1. The stage counts per day
-- are kept by int_session_days (a row per day, moved by the sessions that changed).
{{ config(
    materialized='table',
    indexes=[{'columns': ['date'], 'unique': True}]
) }}

with stages as (
    select
        session_date as date,
        total_sessions,
        browse_stage_sessions as browse_sessions,
        product_stage_sessions as product_sessions,
        cart_stage_sessions as cart_sessions,
        purchasing_sessions as purchase_sessions
    from {{ ref('int_session_days') }}
)

select
    date,
    total_sessions,
    browse_sessions,
    product_sessions,
    cart_sessions,
    purchase_sessions,
    round(browse_sessions::numeric / total_sessions, 4) as session_to_browse_rate,
    round(product_sessions::numeric / nullif(browse_sessions, 0), 4) as browse_to_product_rate,
    round(cart_sessions::numeric / nullif(product_sessions, 0), 4) as product_to_cart_rate,
    round(purchase_sessions::numeric / nullif(cart_sessions, 0), 4) as cart_to_purchase_rate,
    round(purchase_sessions::numeric / total_sessions, 4) as overall_conversion_rate
from stages
