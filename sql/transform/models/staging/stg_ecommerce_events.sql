-- One row per e-commerce event (raw_data.ecommerce_events) with the product and order facts
-- typed. The browser and the shop both report an order: the browser's purchase /
-- checkout_error and the shop's own order_completed / order_failed (properties order_id,
-- items, total, reason). ecommerce_action names the fact (purchase, checkout_error,
-- product_view, add_to_cart, ...) so both spellings count as one kind; transaction_id is set
-- for purchases only (a failed order's id is order_id), so the two reports of one purchase
-- share a transaction_id and are counted once downstream.
{{ staging_config('ecommerce_events') }}

with events as (
    select
        {{ staged_event_columns() }}
    from {{ source('raw_data', 'ecommerce_events') }}
)

select
    events.*,
    case event_name
        when 'order_completed' then 'purchase'
        when 'order_failed' then 'checkout_error'
        else event_name
    end as ecommerce_action,
    event_name in ('order_completed', 'order_failed') as is_server_event,
    {{ json_text('properties', 'product_id') }} as product_id,
    {{ json_text('properties', 'name') }} as product_name,
    {{ json_text('properties', 'brand') }} as product_brand,
    {{ json_text('properties', 'category') }} as product_category,
    {{ json_numeric('properties', 'price') }} as product_price,
    {{ json_integer('properties', 'quantity') }} as quantity,
    coalesce({{ json_numeric('properties', 'value') }},
             {{ json_numeric('properties', 'total') }}) as value,
    case when event_name in ('purchase', 'order_completed')
         then coalesce({{ json_text('properties', 'transaction_id') }},
                       {{ json_text('properties', 'order_id') }}) end as transaction_id,
    {{ json_text('properties', 'order_id') }} as order_id,
    case when event_name in ('checkout_error', 'order_failed')
         then coalesce({{ json_text('properties', 'error') }},
                       {{ json_text('properties', 'reason') }}) end as error_reason
from events
