-- One row per page view (raw_data.page_views), bots included and flagged (is_bot).
{{ staging_config('page_views') }}

select
    {{ staged_event_columns() }},
    {{ json_text('properties', 'title') }} as page_title,
    {{ json_text('properties', 'referrer') }} as referrer
from {{ source('raw_data', 'page_views') }}
