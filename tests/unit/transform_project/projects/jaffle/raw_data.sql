-- The raw tables the jaffle project reads, with a small dataset. Not part of the dbt project
-- (it sits outside model-paths); the end-to-end test loads it before running the project.
create schema if not exists raw_jaffle;

drop table if exists raw_jaffle.customers, raw_jaffle.orders, raw_jaffle.payments;

create table raw_jaffle.customers (
    id integer primary key,
    first_name text not null,
    last_name text not null,
    loaded_at timestamptz not null default now()
);

create table raw_jaffle.orders (
    id integer primary key,
    user_id integer not null,
    order_date date not null,
    status text not null,
    loaded_at timestamptz not null default now()
);

create table raw_jaffle.payments (
    id integer primary key,
    order_id integer not null,
    payment_method text not null,
    amount integer not null, -- cents
    loaded_at timestamptz not null default now()
);

insert into raw_jaffle.customers (id, first_name, last_name) values
    (1, 'Michael', 'P.'), (2, 'Shawn', 'M.'), (3, 'Kathleen', 'P.'), (4, 'Jimmy', 'C.');

insert into raw_jaffle.orders (id, user_id, order_date, status) values
    (1, 1, '2018-01-01', 'returned'),
    (2, 3, '2018-01-02', 'completed'),
    (3, 1, '2018-01-04', 'completed'),
    (4, 2, '2018-01-05', 'placed'),
    (5, 3, '2018-01-05', 'shipped'),
    (6, 2, '2018-01-07', 'return_pending');

insert into raw_jaffle.payments (id, order_id, payment_method, amount) values
    (1, 1, 'credit_card', 1000),
    (2, 2, 'credit_card', 2000),
    (3, 3, 'coupon', 100),
    (4, 4, 'coupon', 2500),
    (5, 5, 'bank_transfer', 1700),
    (6, 6, 'credit_card', 600),
    (7, 3, 'gift_card', 2300);
