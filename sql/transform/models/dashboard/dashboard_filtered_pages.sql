-- One row per filter value, reporting day of the view and path: the dashboard_daily_pages
-- numbers of the page views of the sessions the filter keeps. The pages panel under a single
-- filter sums a range of it.
--
-- Incremental by the view's day: the touched days (every day of a page view of a changed
-- session, macros/dashboard_touched_days.sql) are deleted by the pre-hook and recomputed from
-- all of their page views (dashboard_page_views through its (view_date, path) index).
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('dashboard_sessions') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('date') }}",
    indexes=[
      {'columns': ['dimension', 'value', 'date', 'path'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
) }}

-- A session's views of one path on one day first (a few rows per session), so the join with
-- the session's filter values (tens per session) multiplies those rather than every view.
with session_paths as (
    select
        session_id,
        visitor_id,
        view_date,
        path,
        count(*) as views,
        count(*) filter (where is_entry) as entries,
        count(*) filter (where is_exit) as exits,
        max(last_loaded_at) as last_loaded_at,
        max(last_load_xid) as last_load_xid
    from {{ ref('dashboard_page_views').render() }}
    {% if is_incremental() %}where view_date in ({{ dashboard_touched_days() }}){% endif %}
    group by session_id, visitor_id, view_date, path
),

per_visitor as (
    select
        filters.dimension,
        filters.value,
        session_paths.view_date,
        session_paths.path,
        session_paths.visitor_id,
        sum(session_paths.views) as views,
        sum(session_paths.entries) as entries,
        sum(session_paths.exits) as exits,
        max(session_paths.last_loaded_at) as last_loaded_at,
        max(session_paths.last_load_xid) as last_load_xid
    from session_paths
    join {{ ref('dashboard_session_filters').render() }} as filters
      on filters.session_id = session_paths.session_id
    group by 1, 2, 3, 4, 5
)

select
    dimension,
    value,
    view_date as date,
    path,
    sum(views)::bigint as views,
    count(*) as visitors,
    sum(entries)::bigint as entries,
    sum(exits)::bigint as exits,
    max(last_loaded_at) as last_loaded_at,
    max(last_load_xid) as last_load_xid
from per_visitor
group by 1, 2, 3, 4
