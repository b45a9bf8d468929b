-- One row per filter value, cohort day and week 0..8 with activity: the cohort's users active
-- that week, counting only the sessions the filter keeps (a user's cohort is the day of their
-- first such session; sessions without a user id have none). Every user is active in the week
-- of their first session, so week 0's active is the cohort's size. The cohorts panel under a
-- single filter reads a range of it.
--
-- Kept by retracting and re-adding contributions (incremental_strategy 'retract',
-- docs/transform/runs.md): the model's rows are one per user, filter value and week of their
-- cohort with activity (active = 1), held in dashboard_filtered_cohorts__contributions; the
-- table holds their sums. A run recomputes the contributions of the users of the sessions
-- changed since the last one (macros/touched_users.sql: a session's user now and
-- every one its events carry, so a former one too) from all those users' sessions, and the
-- runner moves each count by the difference; a user left without sessions is cleared by its
-- tombstone row (NULL keys). Its cost follows the touched users, not the size of their days.
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('stg_user_events') }}
-- depends_on: {{ ref('stg_ecommerce_events') }}
{{ config(
    materialized='incremental',
    incremental_strategy='retract',
    retract_key='user_id',
    unique_key=['dimension', 'value', 'cohort_date', 'week'],
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['dimension', 'value', 'cohort_date', 'week'], 'unique': True}]
) }}

with
{% if is_incremental() %}
touched as (
    {{ dashboard_touched_users() }}
),
{% endif %}

user_sessions as (
    select
        filters.dimension,
        filters.value,
        sessions.user_id,
        sessions.session_date,
        sessions.last_loaded_at, sessions.last_load_xid
    from {{ ref('dashboard_sessions').render() }} as sessions
    join {{ ref('dashboard_session_filters').render() }} as filters
      on filters.session_id = sessions.session_id
    where sessions.user_id is not null
      {% if is_incremental() %}and sessions.user_id in (select user_id from touched){% endif %}
),

firsts as (
    select dimension, value, user_id, min(session_date) as cohort_date
    from user_sessions
    group by 1, 2, 3
)

select
    firsts.dimension,
    firsts.value,
    firsts.user_id,
    firsts.cohort_date,
    (user_sessions.session_date - firsts.cohort_date) / 7 as week,
    1 as active,
    max(user_sessions.last_loaded_at) as last_loaded_at,
    max(user_sessions.last_load_xid) as last_load_xid
from user_sessions
join firsts
  on firsts.dimension = user_sessions.dimension and firsts.value = user_sessions.value
 and firsts.user_id = user_sessions.user_id
where user_sessions.session_date - firsts.cohort_date < 63
group by 1, 2, 3, 4, 5
{% if is_incremental() %}
union all
select null, null, user_id, null, null, 0, null, null
from touched
{% endif %}
