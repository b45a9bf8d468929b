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

with memberships as (
    select distinct 'product' as dimension, product_id as value, session_id
    from {{ ref('dashboard_session_products') }}
    where views > 0
    union all
    select distinct 'category', product_category, session_id
    from {{ ref('dashboard_session_products') }}
    where views > 0 and product_category is not null
    union all
    select distinct 'page', path, session_id
    from {{ ref('dashboard_page_views') }}
)

select
    memberships.dimension,
    memberships.value,
    sessions.session_date as date,
    sessions.session_outcome,
    count(*) as sessions,
    count(*) filter (where sessions.funnel_stage >= 2) as browse_sessions,
    count(*) filter (where sessions.funnel_stage >= 3) as product_sessions,
    count(*) filter (where sessions.funnel_stage >= 4) as cart_sessions,
    count(*) filter (where sessions.funnel_stage >= 5) as purchase_sessions,
    sum(sessions.orders) as orders,
    sum(sessions.revenue) as revenue
from memberships
join {{ ref('dashboard_sessions') }} as sessions on sessions.session_id = memberships.session_id
group by 1, 2, 3, 4
