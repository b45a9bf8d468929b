-- One row per cohort and week: a user's cohort is the reporting day of their first session;
-- weeks_since_first_visit counts whole weeks from that day to a later session's day. Per row:
-- the cohort's size, the users active in that week, their revenue and the retention rate
-- (active / size). Sessions without a user id are not part of any cohort. The users and revenue
-- per cohort and week are kept by int_user_cohort_weeks (moved by the users whose sessions
-- changed); every user is active in week 0, so its active users are the cohort's size.
{{ config(
    materialized='table',
    indexes=[{'columns': ['cohort_date', 'weeks_since_first_visit'], 'unique': True}]
) }}

with weeks as (
    select cohort_date, weeks_since_first_visit, active_users, revenue
    from {{ ref('int_user_cohort_weeks') }}
)

select
    weeks.cohort_date,
    weeks.weeks_since_first_visit,
    sizes.active_users as cohort_size,
    weeks.active_users,
    weeks.revenue,
    round(weeks.active_users::numeric / sizes.active_users, 4) as retention_rate
from weeks
join weeks as sizes
  on sizes.cohort_date = weeks.cohort_date and sizes.weeks_since_first_visit = 0
