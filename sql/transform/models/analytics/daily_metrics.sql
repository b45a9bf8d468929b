-- One row per reporting day (the day a session started, in var reporting_time_zone), from
-- session_summary: traffic, shopping and conversion of that day's sessions.
{{ config(
    materialized='table',
    indexes=[{'columns': ['date'], 'unique': True}]
) }}

with days as (
    select
        session_date as date,
        count(*) as total_sessions,
        count(*) filter (where not is_synthetic) as sessions,
        count(*) filter (where is_synthetic) as synthetic_sessions,
        sum(total_page_views) as page_views,
        sum(product_views) as product_views,
        sum(cart_adds) as add_to_cart_events,
        sum(purchases) as purchase_events,
        count(*) filter (where transaction_id is not null) as purchasing_sessions,
        sum(purchase_value) as total_revenue,
        count(*) filter (where session_outcome = 'bounce') as bounced_sessions,
        count(*) filter (where cart_adds > 0) as cart_sessions,
        count(*) filter (where cart_adds > 0 and transaction_id is not null)
            as cart_purchasing_sessions
    from {{ ref('session_summary') }}
    group by session_date
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
