-- One row per filter value, reporting day of the session and product: revenue, units sold and
-- views of the product in the sessions the filter keeps. The products panel under a single
-- filter sums a range of it.
--
-- Incremental by day, like dashboard_daily: the touched days are deleted by the pre-hook and
-- recomputed from all of their sessions.
-- depends_on: {{ ref('stg_page_views') }}
-- depends_on: {{ ref('dashboard_sessions') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    pre_hook="{{ dashboard_delete_touched_days('date') }}",
    indexes=[
      {'columns': ['dimension', 'value', 'date', 'product_id'], 'unique': True},
      {'columns': ['last_load_xid']}
    ]
) }}

select
    filters.dimension,
    filters.value,
    filters.session_date as date,
    products.product_id,
    sum(products.revenue) as revenue,
    sum(products.units_sold) as units_sold,
    sum(products.views) as views,
    max(filters.last_loaded_at) as last_loaded_at,
    max(filters.last_load_xid) as last_load_xid
from {{ ref('dashboard_session_filters').render() }} as filters
join {{ ref('dashboard_session_products').render() }} as products
  on products.session_id = filters.session_id
{% if is_incremental() %}where filters.session_date in ({{ dashboard_touched_days() }}){% endif %}
group by 1, 2, 3, 4
