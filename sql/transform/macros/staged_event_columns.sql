{#- The columns every staging model keeps from its raw table (SPEC §4), plus
    event_name: the custom event's name, else the type (page_view, identify);
    event_at: when it happened: the client's clock, else our receive time;
    is_synthetic: the event was made by the traffic simulator (a _synthetic: true property),
    kept and counted apart rather than dropped;
    load_xid: the load stamp, the id of the transaction that loaded the row. -#}
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
    loaded_at,
    load_xid
{%- endmacro %}

{#- The config shared by the staging models: one row per raw event, merged by event_id; every
    run reads only the raw rows loaded since its previous run (load_stamp: by the loading
    transaction's id against the model's watermark, so a load that commits late, out of order,
    is still picked up; docs/transform/models.md). -#}
{% macro staging_config() -%}
    {{ config(
        materialized='incremental',
        unique_key='event_id',
        event_time='loaded_at',
        load_stamp='load_xid',
        on_schema_change='append_new_columns',
        indexes=[
          {'columns': ['event_id'], 'unique': True},
          {'columns': ['session_id']},
          {'columns': ['load_xid']}
        ]
    ) }}
{%- endmacro %}
