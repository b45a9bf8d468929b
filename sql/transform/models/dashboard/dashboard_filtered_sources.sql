-- One row per filter value, reporting day and source: sessions and visitors (distinct that
-- day) of the sessions the filter keeps. The sources panel under a single filter sums a range
-- of it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['dimension', 'value', 'date', 'source'], 'unique': True}]
) }}

select
    filters.dimension,
    filters.value,
    filters.session_date as date,
    sessions.source,
    count(*) as sessions,
    count(distinct sessions.visitor_id) as visitors
from {{ ref('dashboard_session_filters') }} as filters
join {{ ref('dashboard_sessions') }} as sessions on sessions.session_id = filters.session_id
group by 1, 2, 3, 4
