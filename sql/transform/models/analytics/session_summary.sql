-- One row per session of a human visitor with at least one page view (SPEC §5). Bot events
-- (is_bot) are left out, and so are simulated shoppers' (is_synthetic) unless var
-- include_synthetic is true (macros/synthetic_events.sql).
--
-- Incremental by session: the runner hands this model only the staging rows loaded since
-- its last run (by load stamp, load_xid), and the sessions those rows belong to are
-- recomputed from their whole history (ref(...).render() reads the staging tables
-- unfiltered) and replace their previous rows (delete+insert on session_id). An event loaded
-- late, whatever its client timestamp, thus updates its session.
{{ config(
    materialized='incremental',
    unique_key='session_id',
    event_time='last_loaded_at',
    load_stamp='last_load_xid',
    indexes=[
      {'columns': ['session_id'], 'unique': True},
      {'columns': ['session_date']},
      {'columns': ['user_id']},
      {'columns': ['last_load_xid']}
    ]
) }}

with
{% if is_incremental() %}
touched as (
    select session_id from {{ ref('stg_page_views') }}
    union
    select session_id from {{ ref('stg_user_events') }}
    union
    select session_id from {{ ref('stg_ecommerce_events') }}
),
{% endif %}

page_views as (
    select session_id, user_id, event_at, path, is_synthetic, loaded_at, load_xid
    from {{ ref('stg_page_views').render() }}
    where not is_bot {{ and_not_synthetic() }}
      and session_id is not null
      {% if is_incremental() %}and session_id in (select session_id from touched){% endif %}
),

user_events as (
    select session_id, user_id, event_id, event_name, user_name, user_email, event_at, loaded_at,
           load_xid
    from {{ ref('stg_user_events').render() }}
    where not is_bot {{ and_not_synthetic() }}
      and session_id is not null
      {% if is_incremental() %}and session_id in (select session_id from touched){% endif %}
),

ecommerce as (
    select session_id, user_id, ecommerce_action, event_name, product_id, value,
           transaction_id, event_at, loaded_at, load_xid
    from {{ ref('stg_ecommerce_events').render() }}
    where not is_bot {{ and_not_synthetic() }}
      and session_id is not null
      {% if is_incremental() %}and session_id in (select session_id from touched){% endif %}
),

visits as (
    select
        session_id,
        min(event_at) as session_start,
        max(event_at) as session_end,
        count(*) as total_page_views,
        count(distinct path) as viewed_pages,
        bool_or(is_synthetic) as is_synthetic,
        max(user_id) as page_view_user_id,
        max(loaded_at) as last_loaded_at,
        max(load_xid) as last_load_xid
    from page_views
    group by session_id
),

-- The latest identify of the session names its user.
identities as (
    select distinct on (session_id)
        session_id, user_id, user_name, user_email
    from user_events
    where event_name = 'identify'
    order by session_id, event_at desc, loaded_at desc, event_id desc
),

user_activity as (
    select session_id, max(user_id) as user_id, max(loaded_at) as last_loaded_at,
           max(load_xid) as last_load_xid
    from user_events
    group by session_id
),

-- One row per order: the browser's purchase and the shop's order_completed of the same order
-- share a transaction_id; the shop's total wins over the browser's value.
orders as (
    select
        session_id,
        transaction_id,
        coalesce(max(value) filter (where event_name = 'order_completed'), max(value)) as order_value,
        min(event_at) as ordered_at
    from ecommerce
    where ecommerce_action = 'purchase' and transaction_id is not null
    group by session_id, transaction_id
),

session_orders as (
    select
        session_id,
        (array_agg(transaction_id order by ordered_at, transaction_id))[1] as transaction_id,
        count(*) as purchases,
        coalesce(sum(order_value), 0) as purchase_value
    from orders
    group by session_id
),

shopping as (
    select
        session_id,
        max(user_id) as user_id,
        count(*) filter (where ecommerce_action = 'product_view') as product_views,
        count(distinct product_id) filter (where ecommerce_action = 'product_view')
            as unique_products_viewed,
        count(*) filter (where ecommerce_action = 'add_to_cart') as cart_adds,
        count(distinct product_id) filter (where ecommerce_action = 'add_to_cart')
            as unique_products_carted,
        bool_or(ecommerce_action = 'checkout_error') as checkout_error,
        max(loaded_at) as last_loaded_at,
        max(load_xid) as last_load_xid
    from ecommerce
    group by session_id
),

sessions as (
    select
        visits.session_id,
        coalesce(identities.user_id, user_activity.user_id, visits.page_view_user_id,
                 shopping.user_id) as user_id,
        identities.user_name,
        identities.user_email,
        visits.session_start,
        visits.session_end,
        {{ reporting_day('visits.session_start') }} as session_date,
        extract(epoch from visits.session_end - visits.session_start)::numeric(12, 3)
            as session_duration_sec,
        visits.total_page_views,
        visits.viewed_pages,
        identities.session_id is not null as was_identified,
        coalesce(shopping.product_views, 0) as product_views,
        coalesce(shopping.unique_products_viewed, 0) as unique_products_viewed,
        coalesce(shopping.cart_adds, 0) as cart_adds,
        coalesce(shopping.unique_products_carted, 0) as unique_products_carted,
        session_orders.transaction_id,
        coalesce(session_orders.purchases, 0) as purchases,
        coalesce(session_orders.purchase_value, 0) as purchase_value,
        coalesce(shopping.checkout_error, false) as checkout_error,
        visits.is_synthetic,
        greatest(visits.last_loaded_at, user_activity.last_loaded_at,
                 shopping.last_loaded_at) as last_loaded_at,
        greatest(visits.last_load_xid, user_activity.last_load_xid,
                 shopping.last_load_xid) as last_load_xid
    from visits
    left join identities on identities.session_id = visits.session_id
    left join user_activity on user_activity.session_id = visits.session_id
    left join shopping on shopping.session_id = visits.session_id
    left join session_orders on session_orders.session_id = visits.session_id
)

select
    session_id,
    user_id,
    user_name,
    user_email,
    session_start,
    session_end,
    session_date,
    session_duration_sec,
    total_page_views,
    viewed_pages,
    was_identified,
    product_views,
    unique_products_viewed,
    cart_adds,
    unique_products_carted,
    transaction_id,
    purchases,
    purchase_value,
    checkout_error,
    case
        when transaction_id is not null then 'purchase'
        when checkout_error then 'checkout_error'
        when cart_adds > 0 then 'cart_abandonment'
        when product_views > 0 then 'browse_only'
        else 'bounce'
    end as session_outcome,
    is_synthetic,
    last_loaded_at, last_load_xid
from sessions
