-- One row per page view (with a path) of a dashboard_sessions session: the view's own reporting
-- day (view_date), the session's day and visitor, and whether the view was the session's first (entry) or last (exit), by
-- time, then load time and event id.
--
-- Incremental by session: a new page view moves its session's exit, so the sessions of the
-- dashboard_sessions rows changed since the last run are recomputed from all their page views
-- (stg_page_views unfiltered, through its session_id index) and replace their rows.
{{ config(
    materialized='incremental',
    unique_key='session_id',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[
      {'columns': ['session_id']},
      {'columns': ['view_date', 'path']},
      {'columns': ['path', 'session_date']},
      {'columns': ['last_load_xid']}
    ]
) }}

with sessions as (
    select session_id, session_date, visitor_id, last_loaded_at, last_load_xid
    from {{ ref('dashboard_sessions') }}
),

views as (
    select
        page_views.event_id,
        page_views.session_id,
        page_views.path,
        page_views.event_at,
        row_number() over (
            partition by page_views.session_id
            order by page_views.event_at, page_views.loaded_at, page_views.event_id) as view_no,
        count(*) over (partition by page_views.session_id) as session_views
    from {{ ref('stg_page_views').render() }} as page_views
    where not page_views.is_bot
      and page_views.session_id in (select session_id from sessions)
)

select
    views.event_id,
    views.session_id,
    sessions.session_date,
    sessions.visitor_id,
    views.path,
    views.event_at,
    {{ reporting_day('views.event_at') }} as view_date,
    views.view_no = 1 as is_entry,
    views.view_no = views.session_views as is_exit,
    sessions.last_loaded_at, sessions.last_load_xid
from views
join sessions on sessions.session_id = views.session_id
where views.path is not null
