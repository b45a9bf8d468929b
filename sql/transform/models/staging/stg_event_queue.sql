-- One row per event no other queue took (raw_data.event_queue).
{{ staging_config() }}

select
    {{ staged_event_columns() }}
from {{ source('raw_data', 'event_queue') }}
