-- One row per event no other queue took (raw_data.event_queue).
{{ staging_config('event_queue') }}

select
    {{ staged_event_columns() }}
from {{ source('raw_data', 'event_queue') }}
