-- One row per event sent to the analytics queue (raw_data.analytics_events).
{{ staging_config('analytics_events') }}

select
    {{ staged_event_columns() }}
from {{ source('raw_data', 'analytics_events') }}
