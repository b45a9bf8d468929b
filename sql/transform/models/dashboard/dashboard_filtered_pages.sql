-- One row per filter value, reporting day of the view and path: the dashboard_daily_pages
-- numbers of the page views of the sessions the filter keeps. The pages panel under a single
-- filter sums a range of it.
--
-- Kept by retracting and re-adding contributions (incremental_strategy 'retract',
-- docs/transform/runs.md): the model's rows are one per visitor, filter value, day and path
-- (views, entries and exits of the visitor's sessions that match the value, and visitors = 1),
-- held in dashboard_filtered_pages__contributions; the table holds their sums, so visitors is
-- the exact distinct count. The retract key is the visitor and the day: a contribution of one
-- day only involves the visitor's views of that day. A run recomputes the days of the sessions
-- changed since the last one (every day each has views on: views only accumulate, so a
-- session's former days are among them) for the visitors of those sessions
-- (macros/touched_users.sql: their visitor now and every one they may have had),
-- from all those visitors' views of those days, and the runner moves each sum by the
-- difference. A session whose filter values changed (a later outcome, a new product view)
-- leaves its former values' rows, and a visitor that no longer exists (its session got a user
-- id) is cleared by its tombstone rows (NULL keys), one per touched day. Its cost follows the
-- touched visitors' views of the touched days, not their whole history.
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('dashboard_sessions') }}
-- depends_on: {{ ref('stg_user_events') }}
-- depends_on: {{ ref('stg_ecommerce_events') }}
{{ config(
    materialized='incremental',
    incremental_strategy='retract',
    retract_key=['visitor_id', 'visitor_date'],
    unique_key=['dimension', 'value', 'date', 'path'],
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['dimension', 'value', 'date', 'path'], 'unique': True}]
) }}

with
{% if is_incremental() %}
touched as (
    {{ dashboard_touched_visitors() }}
),

touched_days as (
    select distinct view_date from {{ ref('dashboard_page_views').render() }}
    where session_id in (select session_id from {{ ref('dashboard_sessions') }})
),

visitor_sessions as (
    {{ dashboard_visitor_sessions('touched') }}
),
{% endif %}

-- A session's views of one path on one day first (a few rows per session), so the join with
-- the session's filter values (tens per session) multiplies those rather than every view.
session_paths as (
    select
        session_id,
        visitor_id,
        view_date,
        path,
        count(*)::int as views,
        (count(*) filter (where is_entry))::int as entries,
        (count(*) filter (where is_exit))::int as exits,
        max(last_loaded_at) as last_loaded_at,
        max(last_load_xid) as last_load_xid
    from {{ ref('dashboard_page_views').render() }}
    {% if is_incremental() %}
    where session_id in (select session_id from visitor_sessions)
      and view_date in (select view_date from touched_days)
    {% endif %}
    group by session_id, visitor_id, view_date, path
)

select
    filters.dimension,
    filters.value,
    session_paths.view_date as date,
    session_paths.path,
    session_paths.visitor_id,
    session_paths.view_date as visitor_date,
    sum(session_paths.views)::int as views,
    1 as visitors,
    sum(session_paths.entries)::int as entries,
    sum(session_paths.exits)::int as exits,
    max(session_paths.last_loaded_at) as last_loaded_at,
    max(session_paths.last_load_xid) as last_load_xid
from session_paths
join {{ ref('dashboard_session_filters').render() }} as filters
  on filters.session_id = session_paths.session_id
group by 1, 2, 3, 4, 5, 6
{% if is_incremental() %}
union all
select null, null, null, null, touched.visitor_id, touched_days.view_date, 0, 0, 0, 0, null, null
from touched cross join touched_days
{% endif %}
