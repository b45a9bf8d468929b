-- One row per cohort and week: a user's cohort is the reporting day of their first session;
-- weeks_since_first_visit counts whole weeks from that day to a later session's day. Per row:
-- the cohort's size, the users active in that week, their revenue and the retention rate
-- (active / size). Sessions without a user id are not part of any cohort.
{{ config(
    materialized='table',
    indexes=[{'columns': ['cohort_date', 'weeks_since_first_visit'], 'unique': True}]
) }}

with user_sessions as (
    select user_id, session_date, purchase_value
    from {{ ref('session_summary') }}
    where user_id is not null
),

first_visits as (
    select user_id, min(session_date) as cohort_date
    from user_sessions
    group by user_id
),

cohort_sizes as (
    select cohort_date, count(*) as cohort_size
    from first_visits
    group by cohort_date
),

activity as (
    select
        first_visits.cohort_date,
        (user_sessions.session_date - first_visits.cohort_date) / 7 as weeks_since_first_visit,
        count(distinct user_sessions.user_id) as active_users,
        sum(user_sessions.purchase_value) as revenue
    from user_sessions
    join first_visits on first_visits.user_id = user_sessions.user_id
    group by 1, 2
)

select
    activity.cohort_date,
    activity.weeks_since_first_visit,
    cohort_sizes.cohort_size,
    activity.active_users,
    activity.revenue,
    round(activity.active_users::numeric / cohort_sizes.cohort_size, 4) as retention_rate
from activity
join cohort_sizes on cohort_sizes.cohort_date = activity.cohort_date
