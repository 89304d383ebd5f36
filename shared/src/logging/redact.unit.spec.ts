import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { redactedError, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('hides the password of a connection URL, keeping the user, host, port, database and options', () => {
    expect(redactSecrets('postgres://app:s3cret@db.internal:5432/orders?sslmode=require')).toBe(
      'postgres://app:***@db.internal:5432/orders?sslmode=require',
    );
    expect(redactSecrets('postgresql://app:s3cret@db/orders')).toBe('postgresql://app:***@db/orders');
    expect(redactSecrets('rediss://default:s3cret@cache:6380')).toBe('rediss://default:***@cache:6380');
    expect(redactSecrets('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactSecrets('esdb://admin:changeit@esdb:2113?tls=false')).toBe('esdb://admin:***@esdb:2113?tls=false');
  });

  it('hides passwords with reserved characters, encoded or not (up to the last @ before the path)', () => {
    expect(redactSecrets('postgres://app:p%40ss%3Aw0rd@db/orders')).toBe('postgres://app:***@db/orders');
    expect(redactSecrets('postgres://app:p@ss:w0rd@db/orders')).toBe('postgres://app:***@db/orders');
  });

  it('leaves URLs without a password as they are', () => {
    for (const url of ['postgres://postgres@127.0.0.1:5432/postgres', 'redis://127.0.0.1:6379', 'http://host/a?b=c'])
      expect(redactSecrets(url)).toBe(url);
  });

  it('hides password parameters in a query string or a key=value connection string', () => {
    expect(redactSecrets('postgres://db/orders?user=app&password=s3cret&sslmode=require')).toBe(
      'postgres://db/orders?user=app&password=***&sslmode=require',
    );
    expect(redactSecrets("host=db user=app password='s 3cret' dbname=orders")).toBe(
      'host=db user=app password=*** dbname=orders',
    );
  });

  it('finds every URL inside a longer text, quoted or not', () => {
    const text = `DATABASE_URL: Invalid URL (got "postgres://app:s3cret@db/x"); REDIS_URL=redis://u:hunter2@r:6379`;
    const redacted = redactSecrets(text);
    expect(redacted).toBe(`DATABASE_URL: Invalid URL (got "postgres://app:***@db/x"); REDIS_URL=redis://u:***@r:6379`);
    expect(redacted).not.toMatch(/s3cret|hunter2/);
  });

  it("redacts an error's message, or its stack", () => {
    const error = new Error('could not connect to postgres://app:s3cret@db/orders');
    expect(redactedError(error)).toBe('could not connect to postgres://app:***@db/orders');
    expect(redactedError(error, { stack: true })).toMatch(/^Error: could not connect to postgres:\/\/app:\*\*\*@db/);
    expect(redactedError(error, { stack: true })).not.toContain('s3cret');
    expect(redactedError('redis://:s3cret@cache')).toBe('redis://:***@cache');
  });
});

describe('the logger', () => {
  it('redacts credentials in the message and in every string field, however deep', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { service: 'test' }, (line) => lines.push(line));
    logger
      .child({ database: 'postgres://app:s3cret@db/orders' })
      .error('lost postgres://app:s3cret@db/orders', { error: { cause: 'redis://:hunter2@cache:6379' }, n: 1n });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/s3cret|hunter2/);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'lost postgres://app:***@db/orders',
      database: 'postgres://app:***@db/orders',
      error: { cause: 'redis://:***@cache:6379' },
      n: '1',
    });
  });
});
