-- One row per reporting day of the view (view_date) and path of dashboard_page_views: views,
-- visitors (distinct that day), entries and exits. The unfiltered pages panel sums a range of
-- it.
--
-- Incremental by day and path: the (day, path) pairs of the page views loaded since the last run
-- are recomputed from all of that day's views of the path (dashboard_page_views unfiltered,
-- through its (view_date, path) index) and replace their rows. A view never changes its own
-- day (a session's day can: an earlier event moves its start), and when a session gains a view
-- all its rows are rewritten with its new load time, so a view that stops being the exit is in
-- the rows loaded since too.
{{ config(
    materialized='incremental',
    unique_key=['date', 'path'],
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['date', 'path'], 'unique': True}, {'columns': ['last_load_xid']}]
) }}

with
{% if is_incremental() %}
touched as (
    select distinct view_date, path from {{ ref('dashboard_page_views') }}
),
{% endif %}

views as (
    select page_views.*
    from {{ ref('dashboard_page_views').render() }} as page_views
    {% if is_incremental() %}
    join touched
      on touched.view_date = page_views.view_date and touched.path = page_views.path
    {% endif %}
)

select
    view_date as date,
    path,
    count(*) as views,
    count(distinct visitor_id) as visitors,
    count(*) filter (where is_entry) as entries,
    count(*) filter (where is_exit) as exits,
    max(last_loaded_at) as last_loaded_at,
    max(last_load_xid) as last_load_xid
from views
group by view_date, path
