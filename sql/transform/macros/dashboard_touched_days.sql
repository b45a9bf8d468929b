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
{% macro dashboard_touched_days_query() -%}
    select distinct {{ reporting_day('touched_views.event_at') }} as day
    from {{ ref('stg_page_views').render() }} as touched_views
    where not touched_views.is_bot
      and touched_views.session_id in (select session_id from {{ ref('dashboard_sessions') }})
{%- endmacro %}

{#- The touched days inside an incremental run's body: the temporary table the pre-hook below
    filled, in the same transaction. -#}
{% macro dashboard_touched_days() -%}
    select day from dashboard_touched_days
{%- endmacro %}

{#- The pre-hook of a per-day dashboard model: on an incremental run, computes the days it
    recomputes once, into a temporary table with statistics, and deletes their rows (`column`
    holds the day), in the transaction that then appends their new rows. A day that lost all
    its sessions (they moved to another day) thus loses its rows too, which a delete by the new
    rows' keys would keep.

    Why a table and not the query inline: the planner cannot tell how many days a subquery
    yields (it guessed eleven when one was touched), so the body read a whole by-day table
    instead of the touched days through its session_date index; analyzed, the table tells it. -#}
{% macro dashboard_delete_touched_days(column) -%}
    {%- if is_incremental() -%}
    create temporary table dashboard_touched_days on commit drop as
    {{ dashboard_touched_days_query() }};
    analyze dashboard_touched_days;
    delete from {{ this }} where {{ column }} in ({{ dashboard_touched_days() }})
    {%- endif -%}
{%- endmacro %}
