// sales_orders remembers each order's lines and paid day, so OrderPaid and a later OrderCancelled can be counted once.
export const salesTables = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.sales_orders (
  order_id text primary key,
  lines jsonb not null,
  currency text not null,
  paid_day date,
  revision integer not null
);
create table if not exists ${s}.sales_daily (
  day date not null,
  sku text not null,
  currency text not null,
  units bigint not null,
  revenue_cents bigint not null,
  primary key (day, sku, currency)
);
`;
