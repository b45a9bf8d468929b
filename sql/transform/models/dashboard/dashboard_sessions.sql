-- One row per session of session_summary with what the dashboard counts and filters by: the
-- reporting day, the visitor, the outcome, the deepest funnel stage, orders and revenue, the
-- landing page and the traffic source. The dashboard's per-day tables are built from it, and
-- a panel with a product, category or page filter reads it through its indexes.
--
-- source: the landing URL's utm_source (lower case), else the landing page's referrer host
-- (lower case, without "www."), else '(direct)'.
-- funnel_stage: 1 sessions, 2 browsed (more than one page view), 3 viewed a product, 4 added
-- to the cart, 5 purchased; the stages nest as in funnel_analysis (a later stage implies the
-- earlier ones), so "reached stage k" is funnel_stage >= k.
--
-- Incremental by session: the runner hands this model the session_summary rows recomputed
-- changed since its last run (load stamp last_load_xid); their landing page views are read
-- from stg_page_views unfiltered (.render(), through its session_id index) and the rows
-- replace the sessions' previous ones.
{{ config(
    materialized='incremental',
    unique_key='session_id',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[
      {'columns': ['session_id'], 'unique': True},
      {'columns': ['session_date']},
      {'columns': ['source', 'session_date']},
      {'columns': ['user_id']},
      {'columns': ['last_load_xid']}
    ]
) }}

with sessions as (
    select *
    from {{ ref('session_summary') }}
),

landings as (
    select distinct on (page_views.session_id)
        page_views.session_id,
        page_views.path,
        page_views.url,
        page_views.referrer
    from {{ ref('stg_page_views').render() }} as page_views
    where not page_views.is_bot
      and page_views.session_id in (select session_id from sessions)
    order by page_views.session_id, page_views.event_at, page_views.loaded_at,
             page_views.event_id
),

sourced as (
    select
        session_id,
        path as landing_path,
        nullif(lower(substring(url from '[?&]utm_source=([^&#]+)')), '') as utm_source,
        nullif(regexp_replace(
            lower(substring(referrer from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)')),
            '^www\.', ''), '') as referrer_host
    from landings
)

select
    sessions.session_id,
    sessions.session_date,
    sessions.session_start,
    sessions.user_id,
    coalesce(sessions.user_id, 'session:' || sessions.session_id) as visitor_id,
    sessions.session_outcome,
    case
        when sessions.transaction_id is not null then 5
        when sessions.cart_adds > 0 then 4
        when sessions.product_views > 0 then 3
        when sessions.total_page_views > 1 then 2
        else 1
    end as funnel_stage,
    sessions.total_page_views,
    sessions.purchases as orders,
    sessions.purchase_value as revenue,
    sourced.landing_path,
    coalesce(sourced.utm_source, sourced.referrer_host, '(direct)') as source,
    sessions.last_loaded_at, sessions.last_load_xid
from sessions
left join sourced on sourced.session_id = sessions.session_id
