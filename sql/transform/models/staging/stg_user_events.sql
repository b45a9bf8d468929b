-- One row per user event (raw_data.user_events): identify, user_engagement, logout. For an
-- identify the loader stores the traits as properties; a client that nests them under
-- properties.traits is read too.
{{ staging_config('user_events') }}

select
    {{ staged_event_columns() }},
    coalesce({{ json_text('properties', 'name') }},
             {{ json_text("(properties -> 'traits')", 'name') }}) as user_name,
    coalesce({{ json_text('properties', 'email') }},
             {{ json_text("(properties -> 'traits')", 'email') }}) as user_email
from {{ source('raw_data', 'user_events') }}
