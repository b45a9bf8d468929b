-- One row per filter value, reporting day of the session and product: revenue, units sold and
-- views of the product in the sessions the filter keeps. The products panel under a single
-- filter sums a range of it.
{{ config(
    materialized='table',
    indexes=[{'columns': ['dimension', 'value', 'date', 'product_id'], 'unique': True}]
) }}

select
    filters.dimension,
    filters.value,
    filters.session_date as date,
    products.product_id,
    sum(products.revenue) as revenue,
    sum(products.units_sold) as units_sold,
    sum(products.views) as views
from {{ ref('dashboard_session_filters') }} as filters
join {{ ref('dashboard_session_products') }} as products
  on products.session_id = filters.session_id
group by 1, 2, 3, 4
