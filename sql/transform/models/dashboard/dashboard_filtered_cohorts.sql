-- One row per filter value, cohort day and week 0..8: the cohort's size and its active users
-- that week, counting only the sessions the filter keeps (a user's cohort is the day of their
-- first such session; sessions without a user id have none). The cohorts panel under a single
-- filter reads a range of it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['dimension', 'value', 'cohort_date', 'week'], 'unique': True}]
) }}

with user_sessions as (
    select filters.dimension, filters.value, sessions.user_id, sessions.session_date
    from {{ ref('dashboard_session_filters') }} as filters
    join {{ ref('dashboard_sessions') }} as sessions on sessions.session_id = filters.session_id
    where sessions.user_id is not null
),

firsts as (
    select dimension, value, user_id, min(session_date) as cohort_date
    from user_sessions
    group by 1, 2, 3
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
        count(distinct user_sessions.user_id) as active
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
    active.active
from active
join sizes
  on sizes.dimension = active.dimension and sizes.value = active.value
 and sizes.cohort_date = active.cohort_date
