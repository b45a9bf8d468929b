{{
    config(
        materialized='incremental',
        schema='fx_marts',
        unique_key='order_id',
        on_schema_change='append_new_columns'
    )
}}

select
    o.order_id,
    o.customer_id,
    c.name as customer_name,
    o.amount,
    o.status,
    o.loaded_at
from {{ ref('stg_orders') }} as o
join {{ ref('stg_customers') }} as c using (customer_id)
{% if is_incremental() %}
where o.loaded_at >= (select coalesce(max(loaded_at), '1970-01-01') - interval '1 hour' from {{ this }})
{% endif %}
