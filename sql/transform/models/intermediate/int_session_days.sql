-- One row per reporting day of session starts (session_date) with the sums over that day's
-- sessions in session_summary that daily_metrics and funnel_analysis report, so those two
-- read a row per day instead of every session ever seen.
--
-- Kept by retracting and re-adding contributions (incremental_strategy 'retract',
-- docs/transform/runs.md): the model's rows are one per session (its day, a 1 or 0 per count
-- and its own numbers), held in int_session_days__contributions; the table holds their sums.
-- A run replaces the contributions of the sessions changed since the last one (session_summary
-- rows at or above its watermark) and moves each day by the difference, so a session whose day
-- moved (a late page view with an earlier time) leaves its former day. Sessions never leave
-- session_summary, so no tombstones are needed. Its cost follows the changed sessions, not the
-- history.
{{ config(
    materialized='incremental',
    incremental_strategy='retract',
    retract_key='session_id',
    unique_key='session_date',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[{'columns': ['session_date'], 'unique': True}]
) }}

select
    session_id,
    session_date,
    1 as total_sessions,
    case when is_synthetic then 0 else 1 end as sessions,
    case when is_synthetic then 1 else 0 end as synthetic_sessions,
    total_page_views as page_views,
    product_views,
    cart_adds,
    purchases,
    purchase_value,
    case when transaction_id is not null then 1 else 0 end as purchasing_sessions,
    case when session_outcome = 'bounce' then 1 else 0 end as bounced_sessions,
    case when cart_adds > 0 then 1 else 0 end as cart_sessions,
    case when cart_adds > 0 and transaction_id is not null then 1 else 0 end
        as cart_purchasing_sessions,
    -- The funnel's nested stages (funnel_analysis).
    case when total_page_views > 1 or product_views > 0 or cart_adds > 0
              or transaction_id is not null then 1 else 0 end as browse_stage_sessions,
    case when product_views > 0 or cart_adds > 0 or transaction_id is not null then 1 else 0 end
        as product_stage_sessions,
    case when cart_adds > 0 or transaction_id is not null then 1 else 0 end
        as cart_stage_sessions,
    last_loaded_at,
    last_load_xid
from {{ ref('session_summary') }}
