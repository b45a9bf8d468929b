-- One row per reporting day, outcome and source of dashboard_sessions: sessions, the sessions
-- at each funnel stage, orders and revenue. The KPI, daily, outcome and funnel panels read a
-- range of it (a few rows per day) when no filter, or only the outcome and source filters,
-- apply.
--
-- Incremental by day: a run recomputes the days touched by the sessions that changed since the
-- last one (macros/dashboard_touched_days.sql: every day of their page views, which holds a
-- moved session's former day too) from all of those days' sessions; the pre-hook deletes the
-- days' rows in the same transaction, and the new rows are appended.
-- depends_on: {{ ref('stg_page_views') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('date') }}",
    indexes=[
      {'columns': ['date', 'session_outcome', 'source'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
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
    sum(revenue) as revenue,
    max(last_loaded_at) as last_loaded_at,
    max(last_load_xid) as last_load_xid
from {{ ref('dashboard_sessions').render() }}
{% if is_incremental() %}
where session_date in ({{ dashboard_touched_days() }})
{% endif %}
group by session_date, session_outcome, source
