import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPool, pgSql, SqlUnavailable } from './pg-sql.js';

// An unreachable database is SqlUnavailable, and its message never carries the connection string's password.

describe('pgSql: an unreachable database', () => {
  it('is reported as SqlUnavailable with the password redacted from what the driver said', async () => {
    const pool = Object.assign(new EventEmitter(), {
      options: { max: 1 },
      query: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND in postgres://app:s3cret@db.internal:5432/orders'), {
          code: 'ENOTFOUND',
        });
      },
      end: async () => {},
    });
    const sql = pgSql(pool as unknown as pg.Pool);
    const error = await sql.query('select 1').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(SqlUnavailable);
    expect((error as Error).message).toBe(
      'PostgreSQL unavailable: getaddrinfo ENOTFOUND in postgres://app:***@db.internal:5432/orders',
    );
    await sql.close();
  });

  it('says nothing of the password when a real connection is refused', async () => {
    const sql = pgSql(
      pgPool('postgres://app:s3cret@127.0.0.1:1/orders', { connectMs: 1_000, statementMs: 1_000, queryMs: 1_000 }),
    );
    const error = await sql.query('select 1').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(SqlUnavailable);
    expect(String((error as Error).message)).not.toContain('s3cret');
    await sql.close();
  });
});
