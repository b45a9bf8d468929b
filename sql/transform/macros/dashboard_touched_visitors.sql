{#- The visitors and users whose contributions an incremental run of a 'retract' dashboard model
    (dashboard_filtered_pages, dashboard_filtered_cohorts) recomputes: those of the sessions of
    the dashboard_sessions rows changed since the model's last run (its load stamp at or above
    its watermark).

    A changed session can leave a visitor or user as well as join one: its visitor is
    'session:' and its id until it has a user id, and its user id is one its events carry, so
    the users of all its events (whether crawler or not) hold its former ones too. A visitor in
    the set that did not change is recomputed to the same rows.

    The caller announces `-- depends_on:` the three staging models; these refs are reached only
    when is_incremental(). -#}
{% macro dashboard_touched_users() -%}
    select user_id from {{ ref('dashboard_sessions') }} where user_id is not null
    union
    select user_id from {{ ref('stg_page_views').render() }}
    where user_id is not null and session_id in (select session_id from {{ ref('dashboard_sessions') }})
    union
    select user_id from {{ ref('stg_user_events').render() }}
    where user_id is not null and session_id in (select session_id from {{ ref('dashboard_sessions') }})
    union
    select user_id from {{ ref('stg_ecommerce_events').render() }}
    where user_id is not null and session_id in (select session_id from {{ ref('dashboard_sessions') }})
{%- endmacro %}

{#- The visitors (visitor_id of dashboard_sessions) above: the touched users and each changed
    session's own 'session:' visitor. -#}
{% macro dashboard_touched_visitors() -%}
    select user_id as visitor_id from ({{ dashboard_touched_users() }}) as touched_users
    union
    select 'session:' || session_id from {{ ref('dashboard_sessions') }}
{%- endmacro %}

{#- Every dashboard session of the visitors in `visitors` (a relation with a visitor_id column),
    through the user_id and session_id indexes of dashboard_sessions: visitor_id is the user id,
    else 'session:' and the session id. -#}
{% macro dashboard_visitor_sessions(visitors) -%}
    select session_id from {{ ref('dashboard_sessions').render() }}
    where user_id in (select visitor_id from {{ visitors }})
    union
    select session_id from {{ ref('dashboard_sessions').render() }}
    where user_id is null
      and session_id in (
          select substr(visitor_id, 9) from {{ visitors }} where visitor_id like 'session:%')
{%- endmacro %}
