-- One row per filter value, cohort day and week 0..8: the cohort's size and its active users
-- that week, counting only the sessions the filter keeps (a user's cohort is the day of their
-- first such session; sessions without a user id have none). The cohorts panel under a single
-- filter reads a range of it.
--
-- Incremental by cohort day: the touched cohort days (macros/dashboard_touched_days.sql: the
-- touched days and the session days of the users of changed sessions) are deleted by the
-- pre-hook and recomputed. A cohort day's rows need the users whose first filtered session is
-- on it, so the users with a session on a touched cohort day are read with all their sessions
-- (dashboard_sessions through its session_date and user_id indexes).
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('stg_user_events') }}
-- depends_on: {{ ref('stg_ecommerce_events') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('cohort_date', cohorts=true) }}",
    indexes=[
      {'columns': ['dimension', 'value', 'cohort_date', 'week'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
) }}

with
{% if is_incremental() %}
touched_days as (
    {{ dashboard_touched_cohort_days() }}
),

touched_users as (
    select distinct user_id
    from {{ ref('dashboard_sessions').render() }}
    where user_id is not null and session_date in (select * from touched_days)
),
{% endif %}

user_sessions as (
    select
        filters.dimension,
        filters.value,
        sessions.user_id,
        sessions.session_date,
        sessions.last_loaded_at, sessions.last_load_xid
    from {{ ref('dashboard_session_filters').render() }} as filters
    join {{ ref('dashboard_sessions').render() }} as sessions on sessions.session_id = filters.session_id
    where sessions.user_id is not null
      {% if is_incremental() %}and sessions.user_id in (select user_id from touched_users){% endif %}
),

firsts as (
    select dimension, value, user_id, min(session_date) as cohort_date
    from user_sessions
    group by 1, 2, 3
    {% if is_incremental() %}having min(session_date) in (select * from touched_days){% endif %}
),

sizes as (
    select dimension, value, cohort_date, count(*) as size
    from firsts
    group by 1, 2, 3
),

active as (
    select
        firsts.dimension,
        firsts.value,
        firsts.cohort_date,
        (user_sessions.session_date - firsts.cohort_date) / 7 as week,
        count(distinct user_sessions.user_id) as active,
        max(user_sessions.last_loaded_at) as last_loaded_at,
        max(user_sessions.last_load_xid) as last_load_xid
    from user_sessions
    join firsts
      on firsts.dimension = user_sessions.dimension and firsts.value = user_sessions.value
     and firsts.user_id = user_sessions.user_id
    where user_sessions.session_date - firsts.cohort_date < 63
    group by 1, 2, 3, 4
)

select
    active.dimension,
    active.value,
    active.cohort_date,
    active.week,
    sizes.size,
    active.active,
    active.last_loaded_at, active.last_load_xid
from active
join sizes
  on sizes.dimension = active.dimension and sizes.value = active.value
 and sizes.cohort_date = active.cohort_date
