-- One row per filter value, reporting day and source: sessions and visitors (distinct that
-- day) of the sessions the filter keeps. The sources panel under a single filter sums a range
-- of it.
--
-- Incremental by day, like dashboard_daily: the touched days are deleted by the pre-hook and
-- recomputed from all of their sessions.
-- depends_on: {{ ref('stg_page_views') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('date') }}",
    indexes=[
      {'columns': ['dimension', 'value', 'date', 'source'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
) }}

select
    filters.dimension,
    filters.value,
    filters.session_date as date,
    sessions.source,
    count(*) as sessions,
    count(distinct sessions.visitor_id) as visitors,
    max(sessions.last_loaded_at) as last_loaded_at,
    max(sessions.last_load_xid) as last_load_xid
from {{ ref('dashboard_session_filters').render() }} as filters
join {{ ref('dashboard_sessions').render() }} as sessions on sessions.session_id = filters.session_id
{% if is_incremental() %}where filters.session_date in ({{ dashboard_touched_days() }}){% endif %}
group by 1, 2, 3, 4
