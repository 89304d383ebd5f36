// The customers' DDL: idempotent, since it runs at every start. customer_orders remembers what each order adds to its
// customer's totals, so an event changes the totals by the difference and a redelivered one by nothing. Counts and
// amounts are bigint, like the other models' totals: a customer's lifetime adds up many orders of up to 10^11.
export const customerTables = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.customer_orders (
  order_id text primary key,
  customer_id text not null,
  currency text not null,
  placed_at timestamptz not null,
  confirmed boolean not null,
  cancelled boolean not null,
  paid_cents bigint not null,
  revision integer not null
);
create index if not exists customer_orders_customer on ${s}.customer_orders (customer_id, placed_at desc);
create table if not exists ${s}.customer_summaries (
  customer_id text primary key,
  orders_placed bigint not null,
  orders_confirmed bigint not null,
  orders_cancelled bigint not null,
  last_order_at timestamptz not null,
  revision bigint not null
);
create table if not exists ${s}.customer_revenue (
  customer_id text not null,
  currency text not null,
  paid_cents bigint not null,
  primary key (customer_id, currency)
);
`;
