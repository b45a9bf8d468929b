-- One row per reporting day, filter value and outcome: the dashboard_daily numbers of the
-- sessions a product, category or page filter keeps (sessions that viewed the product, viewed
-- a product of the category, viewed the page). The KPI, daily, outcome and funnel panels read a
-- range of it when one such filter applies (with or without an outcome filter), instead of
-- visiting every filtered session.
--
-- dimension: 'product', 'category' or 'page'; value: the product id, category or path.
{{ config(
    materialized='table',
    indexes=[{'columns': ['dimension', 'value', 'date', 'session_outcome'], 'unique': True}]
) }}

select
    filters.dimension,
    filters.value,
    sessions.session_date as date,
    sessions.session_outcome,
    count(*) as sessions,
    count(*) filter (where sessions.funnel_stage >= 2) as browse_sessions,
    count(*) filter (where sessions.funnel_stage >= 3) as product_sessions,
    count(*) filter (where sessions.funnel_stage >= 4) as cart_sessions,
    count(*) filter (where sessions.funnel_stage >= 5) as purchase_sessions,
    sum(sessions.orders) as orders,
    sum(sessions.revenue) as revenue
from {{ ref('dashboard_session_filters') }} as filters
join {{ ref('dashboard_sessions') }} as sessions on sessions.session_id = filters.session_id
where filters.dimension in ('product', 'category', 'page')
group by 1, 2, 3, 4
