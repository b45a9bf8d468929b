-- One row per reporting day and source: sessions and visitors (distinct that day). The
-- unfiltered sources panel sums a range of it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['date', 'source'], 'unique': True}]
) }}

select
    session_date as date,
    source,
    count(*) as sessions,
    count(distinct visitor_id) as visitors
from {{ ref('dashboard_sessions') }}
group by session_date, source
