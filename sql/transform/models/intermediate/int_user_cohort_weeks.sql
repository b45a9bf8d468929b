-- One row per cohort day and week since a user's first visit, with the users active in that
-- week and their revenue, from session_summary (a user's cohort is the reporting day of their
-- first session; sessions without a user id are in no cohort). Every user is active in the
-- week of their first session, so week 0's active_users is the cohort's size.
-- user_cohort_analysis reads these rows instead of every session ever seen.
--
-- Kept by retracting and re-adding contributions (incremental_strategy 'retract',
-- docs/transform/runs.md): the model's rows are one per user and week of their cohort with
-- activity (active_users = 1), held in int_user_cohort_weeks__contributions; the table holds
-- their sums. A run recomputes the contributions of the users of the sessions changed since the
-- last one (macros/touched_users.sql: a session's user now and every one its events carry, so
-- a former one too) from all those users' sessions, and moves each week by the difference; a
-- user left without sessions is cleared by its tombstone row (NULL keys).
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('stg_user_events') }}
-- depends_on: {{ ref('stg_ecommerce_events') }}
{{ config(
    materialized='incremental',
    incremental_strategy='retract',
    retract_key='user_id',
    unique_key=['cohort_date', 'weeks_since_first_visit'],
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['cohort_date', 'weeks_since_first_visit'], 'unique': True}]
) }}

with
{% if is_incremental() %}
touched as (
    {{ touched_users(ref('session_summary')) }}
),
{% endif %}

user_sessions as (
    select user_id, session_date, purchase_value, last_loaded_at, last_load_xid
    from {{ ref('session_summary').render() }}
    where user_id is not null
      {% if is_incremental() %}and user_id in (select user_id from touched){% endif %}
),

first_visits as (
    select user_id, min(session_date) as cohort_date
    from user_sessions
    group by user_id
)

select
    user_sessions.user_id,
    first_visits.cohort_date,
    (user_sessions.session_date - first_visits.cohort_date) / 7 as weeks_since_first_visit,
    1 as active_users,
    sum(user_sessions.purchase_value) as revenue,
    max(user_sessions.last_loaded_at) as last_loaded_at,
    max(user_sessions.last_load_xid) as last_load_xid
from user_sessions
join first_visits on first_visits.user_id = user_sessions.user_id
group by 1, 2, 3
{% if is_incremental() %}
union all
select user_id, null, null, 0, 0, null, null
from touched
{% endif %}
