// The orders' DDL: idempotent, since it runs at every start.

export const ordersTables = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.orders (
  order_id text primary key,
  customer_id text not null,
  status text not null,
  lines jsonb not null,
  total_cents bigint not null,
  currency text not null,
  placed_at timestamptz not null,
  history jsonb not null,
  revision integer not null,
  position bigint not null,
  updated_at timestamptz not null
);
create index if not exists orders_customer_newest on ${s}.orders (customer_id, placed_at desc, order_id desc);
`;
