-- One row per reporting day, outcome and source of dashboard_sessions: sessions, the sessions
-- at each funnel stage, orders and revenue. The KPI, daily, outcome and funnel panels read a
-- range of it (a few rows per day) when no filter, or only the outcome and source filters,
-- apply.
{{ config(
    materialized='table',
    indexes=[{'columns': ['date', 'session_outcome', 'source'], 'unique': True}]
) }}

select
    session_date as date,
    session_outcome,
    source,
    count(*) as sessions,
    count(*) filter (where funnel_stage >= 2) as browse_sessions,
    count(*) filter (where funnel_stage >= 3) as product_sessions,
    count(*) filter (where funnel_stage >= 4) as cart_sessions,
    count(*) filter (where funnel_stage >= 5) as purchase_sessions,
    sum(orders) as orders,
    sum(revenue) as revenue
from {{ ref('dashboard_sessions') }}
group by session_date, session_outcome, source
