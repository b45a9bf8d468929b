-- One row per session and filter value the session matches: product (viewed the product),
-- category (viewed a product of the category), page (viewed the path), outcome and source.
-- The per-filter tables (dashboard_daily_filtered, dashboard_filtered_*) are built from it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['session_id']}]
) }}

select distinct 'product' as dimension, product_id as value, session_id, session_date
from {{ ref('dashboard_session_products') }}
where views > 0
union all
select distinct 'category', product_category, session_id, session_date
from {{ ref('dashboard_session_products') }}
where views > 0 and product_category is not null
union all
select distinct 'page', path, session_id, session_date
from {{ ref('dashboard_page_views') }}
union all
select 'outcome', session_outcome, session_id, session_date
from {{ ref('dashboard_sessions') }}
union all
select 'source', source, session_id, session_date
from {{ ref('dashboard_sessions') }}
