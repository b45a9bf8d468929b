-- One row per reporting day (the day a session started, in var reporting_time_zone), from
-- session_summary: traffic, shopping and conversion of that day's sessions. The sums per day
-- are kept by int_session_days, which a run moves by the sessions that changed; this table is
-- rebuilt from its rows (one per day).
{{ config(
    materialized='table',
    indexes=[{'columns': ['date'], 'unique': True}]
) }}

with days as (
    select
        session_date as date,
        total_sessions,
        sessions,
        synthetic_sessions,
        page_views,
        product_views,
        cart_adds as add_to_cart_events,
        purchases as purchase_events,
        purchasing_sessions,
        purchase_value as total_revenue,
        bounced_sessions,
        cart_sessions,
        cart_purchasing_sessions
    from {{ ref('int_session_days') }}
)

select
    date,
    total_sessions,
    sessions,
    synthetic_sessions,
    page_views,
    round(page_views::numeric / total_sessions, 2) as pages_per_session,
    product_views,
    add_to_cart_events,
    purchase_events,
    purchasing_sessions,
    total_revenue,
    round(total_revenue / nullif(purchase_events, 0), 2) as average_order_value,
    round(purchasing_sessions::numeric / total_sessions, 4) as conversion_rate,
    round(bounced_sessions::numeric / total_sessions, 4) as bounce_rate,
    round(cart_purchasing_sessions::numeric / nullif(cart_sessions, 0), 4)
        as cart_to_purchase_rate
from days
