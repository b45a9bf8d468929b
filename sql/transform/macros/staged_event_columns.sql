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

{#- The config shared by the staging models: one row per raw event of raw_data.<raw_table>,
    merged by event_id; every run reads only the raw rows loaded since its previous run
    (load_stamp: by the loading transaction's id against the model's watermark, so a load that
    commits late, out of order, is still picked up; docs/transform/models.md), through the raw
    table's BRIN index on load_xid, whose new block ranges the pre-hook summarizes first. -#}
{% macro staging_config(raw_table) -%}
    {{ config(
        materialized='incremental',
        unique_key='event_id',
        event_time='loaded_at',
        load_stamp='load_xid',
        pre_hook=summarize_new_block_ranges('raw_data.' ~ raw_table),
        on_schema_change='append_new_columns',
        indexes=[
          {'columns': ['event_id'], 'unique': True},
          {'columns': ['session_id']},
          {'columns': ['load_xid']}
        ]
    ) }}
{%- endmacro %}


{#- Summarizes the block ranges of `relation`'s BRIN indexes that have none yet (those filled
    since the last summary). A BRIN scan reads every page of an unsummarized range, and ranges
    are otherwise summarized only by VACUUM, which an insert-only table gets after inserts of a
    fifth of its size: without this, each run's read of the rows loaded since its last one would
    also read every page appended since the last vacuum, a share of the whole history. Here each
    run pays for the pages appended since the previous run, once. Only indexes the current
    role owns are summarized (PostgreSQL requires it; another role's are left as they are). -#}
{% macro summarize_new_block_ranges(relation) -%}
    select pg_catalog.brin_summarize_new_values(i.indexrelid)
    from pg_catalog.pg_index as i
    join pg_catalog.pg_class as c on c.oid = i.indexrelid
    join pg_catalog.pg_am as am on am.oid = c.relam
    where i.indrelid = '{{ relation }}'::regclass
      and am.amname = 'brin'
      and pg_catalog.pg_has_role(c.relowner, 'MEMBER')
{%- endmacro %}
