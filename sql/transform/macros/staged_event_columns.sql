{#- The columns every staging model keeps from its raw table (SPEC §4), plus
    event_name: the custom event's name, else the type (page_view, identify);
    event_at: when it happened: the client's clock, else our receive time;
    is_synthetic: the event was made by the traffic simulator (a _synthetic: true property),
    kept and counted apart rather than dropped. -#}
{% macro staged_event_columns() -%}
    event_id,
    type,
    event,
    coalesce(event, type) as event_name,
    "timestamp",
    server_timestamp,
    coalesce("timestamp", server_timestamp) as event_at,
    session_id,
    user_id,
    client_ip,
    user_agent,
    url,
    path,
    properties,
    queue_name,
    processed_timestamp,
    is_bot,
    {{ json_flag('properties', '_synthetic') }} as is_synthetic,
    loaded_at
{%- endmacro %}

{#- The config shared by the staging models: one row per raw event, merged by event_id, and
    every run reprocesses the rows loaded within the lookback window before the newest row it
    already has (by loaded_at, the load time), so rows of a slow or late load are never
    skipped. -#}
{% macro staging_config() -%}
    {{ config(
        materialized='incremental',
        unique_key='event_id',
        event_time='loaded_at',
        lookback_window=var('late_load_lookback', '15 minutes'),
        on_schema_change='append_new_columns',
        indexes=[
          {'columns': ['event_id'], 'unique': True},
          {'columns': ['session_id']},
          {'columns': ['loaded_at']}
        ]
    ) }}
{%- endmacro %}
