-- One row per reporting day, filter value and outcome: the dashboard_daily numbers of the
-- sessions a product, category or page filter keeps (sessions that viewed the product, viewed
-- a product of the category, viewed the page). The KPI, daily, outcome and funnel panels read a
-- range of it when one such filter applies (with or without an outcome filter), instead of
-- visiting every filtered session.
--
-- dimension: 'product', 'category' or 'page'; value: the product id, category or path.
--
-- Incremental by day, like dashboard_daily: the touched days are deleted by the pre-hook and
-- recomputed from all of their sessions' filter values (dashboard_session_filters by day).
-- depends_on: {{ ref('stg_page_views') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('date') }}",
    indexes=[
      {'columns': ['dimension', 'value', 'date', 'session_outcome'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
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
    sum(sessions.revenue) as revenue,
    max(sessions.last_loaded_at) as last_loaded_at,
    max(sessions.last_load_xid) as last_load_xid
from {{ ref('dashboard_session_filters').render() }} as filters
join {{ ref('dashboard_sessions').render() }} as sessions on sessions.session_id = filters.session_id
where filters.dimension in ('product', 'category', 'page')
  {% if is_incremental() %}and filters.session_date in ({{ dashboard_touched_days() }}){% endif %}
group by 1, 2, 3, 4
