{{ config(schema='fx_marts', indexes=[{'columns': ['customer_id'], 'unique': true}]) }}

select customer_id, customer_name, sum(amount) as revenue, count(*) as orders
from {{ ref('orders_enriched') }}
where status != 'returned'
group by customer_id, customer_name
