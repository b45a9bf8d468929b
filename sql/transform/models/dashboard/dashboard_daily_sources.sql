-- One row per reporting day and source: sessions and visitors (distinct that day). The
-- unfiltered sources panel sums a range of it.
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
    indexes=[{'columns': ['date', 'source'], 'unique': True}, {'columns': ['last_load_xid']}]
) }}

select
    session_date as date,
    source,
    count(*) as sessions,
    count(distinct visitor_id) as visitors,
    max(last_loaded_at) as last_loaded_at,
    max(last_load_xid) as last_load_xid
from {{ ref('dashboard_sessions').render() }}
{% if is_incremental() %}
where session_date in ({{ dashboard_touched_days() }})
{% endif %}
group by session_date, source
