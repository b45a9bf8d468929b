-- One row per session and filter value the session matches: product (viewed the product),
-- category (viewed a product of the category), page (viewed the path), outcome and source,
-- with the session's day and load time. The per-filter tables (dashboard_daily_filtered,
-- dashboard_filtered_*) are built from it.
--
-- Incremental by session, like dashboard_page_views: the sessions of the dashboard_sessions
-- rows changed since the last run get all their rows again (from dashboard_session_products and
-- dashboard_page_views unfiltered, through their session_id indexes), replacing the previous
-- ones: a session's values change as its events arrive (a new product view, a later outcome).
{{ config(
    materialized='incremental',
    unique_key='session_id',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[
      {'columns': ['session_id']},
      {'columns': ['session_date']},
      {'columns': ['last_load_xid']}
    ]
) }}

with sessions as (
    select session_id, session_date, session_outcome, source, last_loaded_at, last_load_xid
    from {{ ref('dashboard_sessions') }}
)

select distinct
    'product' as dimension, products.product_id as value, products.session_id,
    products.session_date, products.last_loaded_at, products.last_load_xid
from {{ ref('dashboard_session_products').render() }} as products
where products.views > 0
  {% if is_incremental() %}and products.session_id in (select session_id from sessions){% endif %}
union all
select distinct
    'category', products.product_category, products.session_id, products.session_date,
    products.last_loaded_at, products.last_load_xid
from {{ ref('dashboard_session_products').render() }} as products
where products.views > 0 and products.product_category is not null
  {% if is_incremental() %}and products.session_id in (select session_id from sessions){% endif %}
union all
select distinct
    'page', page_views.path, page_views.session_id, page_views.session_date,
    page_views.last_loaded_at, page_views.last_load_xid
from {{ ref('dashboard_page_views').render() }} as page_views
{% if is_incremental() %}where page_views.session_id in (select session_id from sessions){% endif %}
union all
select 'outcome', session_outcome, session_id, session_date, last_loaded_at, last_load_xid
from sessions
union all
select 'source', source, session_id, session_date, last_loaded_at, last_load_xid
from sessions
