import { assertIdentifier, type SqlExecutor } from './sql.js';

// A role that may only read the engine's schemas: what the query service runs as (QUERY_DATABASE_URL). The writers
// (command service, projection service, `npm run cli -- migrate`) own and migrate every schema; the reader gets USAGE
// on each schema and SELECT on its tables, now and on the tables its owner creates there later. A rebuild creates a
// projection's next version in a new schema: the projection service copies the readers of the admin schema onto it
// (grantReadersOf), so a switch never leaves the query service without access.
//
// PostgreSQL only: PGlite has one user and no roles to separate.

/** Creates the role when missing: LOGIN, no password unless given (with trust or peer auth none is needed). */
export async function createReadOnlyRole(
  sql: SqlExecutor,
  role: string,
  options: { password?: string } = {},
): Promise<void> {
  assertIdentifier(role);
  const [exists] = await sql.query('select 1 from pg_roles where rolname = $1', [role]);
  // A login role that inherits nothing: it has exactly what grantReadOnly gives it (and what PUBLIC has).
  if (!exists) await sql.exec(`create role ${role} login noinherit nocreatedb nocreaterole`);
  if (options.password !== undefined) await sql.exec(`alter role ${role} password ${quoteLiteral(options.password)}`);
}

/**
 * Lets role read the schemas: USAGE, SELECT on every table (and view) in them, and SELECT on the tables their owner
 * creates in them later (ALTER DEFAULT PRIVILEGES is per creating role: run this as the role that migrates, or name
 * the writers). Idempotent. Nothing else: no INSERT, UPDATE, DELETE, TRUNCATE, no CREATE in the schemas, no sequences.
 */
export async function grantReadOnly(
  sql: SqlExecutor,
  role: string,
  schemas: readonly string[],
  options: { writers?: readonly string[] } = {},
): Promise<void> {
  assertIdentifier(role);
  const writers = (options.writers ?? []).map(assertIdentifier);
  for (const schema of new Set(schemas)) await grantSchema(sql, role, assertIdentifier(schema), writers);
}

/** role: an identifier checked or quoted by the caller; schema: checked. */
async function grantSchema(sql: SqlExecutor, role: string, schema: string, writers: readonly string[] = []) {
  await sql.exec(`grant usage on schema ${schema} to ${role}`);
  await sql.exec(`grant select on all tables in schema ${schema} to ${role}`);
  const forRoles = writers.length > 0 ? ` for role ${writers.join(', ')}` : '';
  await sql.exec(`alter default privileges${forRoles} in schema ${schema} grant select on tables to ${role}`);
}

/**
 * Takes back what grantReadOnly gave on the schemas that still exist, so that the role can be dropped
 * (`drop role` refuses a role that still holds privileges or default privileges).
 */
export async function revokeReadOnly(
  sql: SqlExecutor,
  role: string,
  schemas: readonly string[],
  options: { writers?: readonly string[] } = {},
): Promise<void> {
  assertIdentifier(role);
  const writers = (options.writers ?? []).map(assertIdentifier);
  for (const schema of new Set(schemas)) {
    assertIdentifier(schema);
    const [exists] = await sql.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (!exists) continue;
    const forRoles = writers.length > 0 ? ` for role ${writers.join(', ')}` : '';
    await sql.exec(`alter default privileges${forRoles} in schema ${schema} revoke select on tables from ${role}`);
    await sql.exec(`revoke select on all tables in schema ${schema} from ${role}`);
    await sql.exec(`revoke usage on schema ${schema} from ${role}`);
  }
}

/**
 * Grants read-only access to `to` to every role that may use `from` without owning it: how a projection's new version
 * schema (a rebuild's) gets the readers of the admin schema. Does nothing where no one else was granted anything (and
 * on PGlite, which has no other roles).
 */
export async function grantReadersOf(sql: SqlExecutor, from: string, to: string): Promise<void> {
  assertIdentifier(to);
  const readers = await sql.query<{ reader: string }>(
    `select distinct quote_ident(r.rolname) as reader
       from pg_namespace n cross join lateral aclexplode(n.nspacl) a join pg_roles r on r.oid = a.grantee
      where n.nspname = $1 and a.privilege_type = 'USAGE' and a.grantee <> n.nspowner`,
    [assertIdentifier(from)],
  );
  // quote_ident made each name safe to interpolate.
  for (const { reader } of readers) await grantSchema(sql, reader, to);
}

const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;
