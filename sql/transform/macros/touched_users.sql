{#- The users whose per-user rows an incremental run recomputes when the sessions in `changed`
    (a load-stamp filtered ref with session_id and user_id: the sessions changed since the
    model's last run) changed.

    A changed session can leave a user as well as join one: its user id is one its events
    carry, so the users of all its events (whether crawler or not) hold its former ones too. A
    user in the set that did not change is recomputed to the same rows.

    The caller announces `-- depends_on:` the three staging models; these refs are reached only
    when is_incremental(). -#}
{% macro touched_users(changed) -%}
    select user_id from {{ changed }} where user_id is not null
    union
    select user_id from {{ ref('stg_page_views').render() }}
    where user_id is not null and session_id in (select session_id from {{ changed }})
    union
    select user_id from {{ ref('stg_user_events').render() }}
    where user_id is not null and session_id in (select session_id from {{ changed }})
    union
    select user_id from {{ ref('stg_ecommerce_events').render() }}
    where user_id is not null and session_id in (select session_id from {{ changed }})
{%- endmacro %}

{#- The users whose contributions an incremental run of a 'retract' dashboard model
    (dashboard_filtered_pages, dashboard_filtered_cohorts) recomputes: touched_users of the
    dashboard_sessions rows changed since the model's last run (its load stamp at or above its
    watermark). A changed session's visitor is 'session:' and its id until it has a user id
    (dashboard_touched_visitors below). -#}
{% macro dashboard_touched_users() -%}
    {{ touched_users(ref('dashboard_sessions')) }}
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
