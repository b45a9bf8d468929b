select
    id as order_id,
    customer_id,
    {{ cents_to_dollars('amount') }} as amount,
    status,
    loaded_at
from {{ source('fx_raw', 'orders') }}
where amount >= {{ var('min_amount') }}
