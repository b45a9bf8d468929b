{#- The reporting days an incremental run of a per-day dashboard model recomputes (models/
    dashboard): every day of a (human) page view of a session that changed since the model's
    last run, i.e. of the dashboard_sessions rows changed since (its load stamp at or above its watermark).

    Why page-view days and not just the sessions' session_date: a session's day can move (a
    late page view with an earlier client time moves its start, possibly across midnight), and
    the day it leaves must be recomputed too. The old day was the day of an earlier first page
    view, which is still in stg_page_views (events are never removed), so the days of all the
    session's page views hold its old and new day. A day in the set that did not change
    is recomputed to the same rows.

    The caller announces `-- depends_on: {{ ref('stg_page_views') }}` and
    `{{ ref('dashboard_sessions') }}`: these refs are reached only when is_incremental(). -#}
{% macro dashboard_touched_days() -%}
    select distinct {{ reporting_day('touched_views.event_at') }}
    from {{ ref('stg_page_views').render() }} as touched_views
    where not touched_views.is_bot
      and touched_views.session_id in (select session_id from {{ ref('dashboard_sessions') }})
{%- endmacro %}

{#- The pre-hook of a per-day dashboard model: on an incremental run, deletes the rows of the
    days it recomputes (`column` holds the day), in the transaction that then appends their new
    rows. A day that lost all its sessions (they moved
    to another day) thus loses its rows too, which a delete by the new rows' keys would keep. -#}
{% macro dashboard_delete_touched_days(column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ column }} in (
        {{- dashboard_touched_days() -}}
    )
    {%- endif -%}
{%- endmacro %}
