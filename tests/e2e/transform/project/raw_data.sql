-- The raw tables the fixture project reads (outside model-paths; the tests load it first).
create schema if not exists fx_raw;
create table fx_raw.customers (id int primary key, name text not null, loaded_at timestamptz not null default now());
create table fx_raw.orders (id int primary key, customer_id int not null, amount int not null, status text not null, loaded_at timestamptz not null default now());
insert into fx_raw.customers (id, name) values (1, 'Ada'), (2, 'Grace'), (3, 'Edsger');
insert into fx_raw.orders (id, customer_id, amount, status) values
  (1, 1, 1000, 'placed'), (2, 1, 2550, 'shipped'), (3, 2, 700, 'returned'), (4, 3, 1200, 'placed');
