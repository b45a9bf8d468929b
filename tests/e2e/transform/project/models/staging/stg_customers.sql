select id as customer_id, name
from {{ source('fx_raw', 'customers') }}
