// The catalog's DDL: idempotent, since it runs at every start.

// Tables made before the stock columns were bigint are widened once: a history of restocks can pass 2^31 units.
const widenToBigint = (schema: string, table: string, columns: string[]): string => `
do $$ begin
  ${columns
    .map(
      (column) => `if (select data_type from information_schema.columns
        where table_schema = '${schema}' and table_name = '${table}' and column_name = '${column}') = 'integer' then
    alter table ${schema}.${table} alter column ${column} type bigint;
  end if;`,
    )
    .join('\n  ')}
end $$;`;

export const catalogTables = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.products (
  sku text primary key,
  name text not null,
  category text not null,
  price_cents bigint not null,
  currency text not null,
  on_hand bigint not null,
  reserved bigint not null,
  held bigint not null default 0,
  available bigint not null,
  status text not null,
  revision integer not null,
  position bigint not null,
  updated_at timestamptz not null
);
create index if not exists products_category_sku on ${s}.products (category, sku);
alter table ${s}.products add column if not exists held bigint not null default 0;
${widenToBigint(s, 'products', ['on_hand', 'reserved', 'available'])}
`;
