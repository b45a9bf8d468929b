-- One row per filter value, reporting day of the view and path: the dashboard_daily_pages
-- numbers of the page views of the sessions the filter keeps. The pages panel under a single
-- filter sums a range of it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['dimension', 'value', 'date', 'path'], 'unique': True}]
) }}

with per_visitor as (
    select
        filters.dimension,
        filters.value,
        page_views.view_date,
        page_views.path,
        page_views.visitor_id,
        count(*) as views,
        count(*) filter (where page_views.is_entry) as entries,
        count(*) filter (where page_views.is_exit) as exits
    from {{ ref('dashboard_session_filters') }} as filters
    join {{ ref('dashboard_page_views') }} as page_views
      on page_views.session_id = filters.session_id
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
    sum(exits)::bigint as exits
from per_visitor
group by 1, 2, 3, 4
