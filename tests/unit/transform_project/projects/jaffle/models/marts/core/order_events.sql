{{
    config(
        materialized='incremental',
        unique_key='order_id',
        schema='events',
        tags=['incremental'],
        on_schema_change='append_new_columns'
    )
}}

select
    order_id,
    customer_id,
    status,
    loaded_at
from {{ ref('stg_orders') }}

{% if is_incremental() %}
where loaded_at > (select coalesce(max(loaded_at), '-infinity'::timestamptz) from {{ this }})
{% endif %}
