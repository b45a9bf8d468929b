{{ config(event_time='loaded_at') }}

with source as (

    select * from {{ source('jaffle_raw', 'orders') }}

),

renamed as (

    select
        id as order_id,
        user_id as customer_id,
        order_date,
        status,
        loaded_at

    from source

)

select * from renamed
