import { describe, expect, it } from 'vitest';
import { ConfigError, loadEngineConfig } from './config.js';

describe('loadEngineConfig: KAFKA_SESSION_TIMEOUT_MS', () => {
  it("defaults to Kafka's 30 s and takes a value in Kafka's bounds", () => {
    expect(loadEngineConfig({}).KAFKA_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(loadEngineConfig({ KAFKA_SESSION_TIMEOUT_MS: '10000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(10_000);
  });

  it('refuses a value the broker would refuse (below 6 s), naming the setting', () => {
    expect(() => loadEngineConfig({ KAFKA_SESSION_TIMEOUT_MS: '1000' })).toThrow(ConfigError);
    expect(() => loadEngineConfig({ KAFKA_SESSION_TIMEOUT_MS: '1000' })).toThrow(/KAFKA_SESSION_TIMEOUT_MS/);
  });
});

describe('loadEngineConfig: IDEMPOTENCY_KEY_TTL_HOURS', () => {
  it('keeps keys a day by default, or as many hours as set', () => {
    expect(loadEngineConfig({}).IDEMPOTENCY_KEY_TTL_HOURS).toBe(24);
    expect(loadEngineConfig({ IDEMPOTENCY_KEY_TTL_HOURS: '72' }).IDEMPOTENCY_KEY_TTL_HOURS).toBe(72);
  });

  it('refuses less than an hour, naming the setting', () => {
    expect(() => loadEngineConfig({ IDEMPOTENCY_KEY_TTL_HOURS: '0' })).toThrow(/IDEMPOTENCY_KEY_TTL_HOURS/);
  });
});

describe('loadEngineConfig: CACHE_TTL_SECONDS', () => {
  it('lets Redis entries live a day after their last write by default, as long as set, or for ever with 0', () => {
    expect(loadEngineConfig({}).CACHE_TTL_SECONDS).toBe(86_400);
    expect(loadEngineConfig({ CACHE_TTL_SECONDS: '60' }).CACHE_TTL_SECONDS).toBe(60);
    expect(loadEngineConfig({ CACHE_TTL_SECONDS: '0' }).CACHE_TTL_SECONDS).toBe(0);
  });

  it('refuses a negative or fractional value, naming the setting', () => {
    expect(() => loadEngineConfig({ CACHE_TTL_SECONDS: '-1' })).toThrow(/CACHE_TTL_SECONDS/);
    expect(() => loadEngineConfig({ CACHE_TTL_SECONDS: '1.5' })).toThrow(/CACHE_TTL_SECONDS/);
  });
});

describe('loadEngineConfig: RELAY_IN_PROCESS', () => {
  const distributed = {
    EVENT_STORE: 'postgres',
    DATABASE_URL: 'postgres://localhost/db',
    BUS: 'kafka',
    KAFKA_BROKERS: 'localhost:9092',
  };

  it('is off by default, and on with Kafka and a shared event store', () => {
    expect(loadEngineConfig(distributed).RELAY_IN_PROCESS).toBe(false);
    expect(loadEngineConfig({ ...distributed, RELAY_IN_PROCESS: 'true' }).RELAY_IN_PROCESS).toBe(true);
  });

  it('refuses to relay without Kafka, or from PGlite, saying why', () => {
    expect(() => loadEngineConfig({ ...distributed, BUS: 'inprocess', RELAY_IN_PROCESS: 'true' })).toThrow(
      /RELAY_IN_PROCESS: needs BUS=kafka/,
    );
    expect(() => loadEngineConfig({ ...distributed, EVENT_STORE: 'pglite', RELAY_IN_PROCESS: 'true' })).toThrow(
      /RELAY_IN_PROCESS: needs EVENT_STORE postgres or esdb/,
    );
  });
});

describe('loadEngineConfig: PostgreSQL timeouts', () => {
  it('bounds connecting, statements and answers by a few seconds by default, and long statements by minutes', () => {
    expect(loadEngineConfig({})).toMatchObject({
      PG_CONNECT_TIMEOUT_MS: 5_000,
      PG_STATEMENT_TIMEOUT_MS: 5_000,
      PG_QUERY_TIMEOUT_MS: 6_000,
      PG_LONG_STATEMENT_TIMEOUT_MS: 300_000,
      READY_TIMEOUT_MS: 2_000,
    });
    expect(loadEngineConfig({ PG_STATEMENT_TIMEOUT_MS: '1000', PG_QUERY_TIMEOUT_MS: '1500' })).toMatchObject({
      PG_STATEMENT_TIMEOUT_MS: 1_000,
      PG_QUERY_TIMEOUT_MS: 1_500,
    });
  });

  it('refuses a client-side bound below the server-side one, and a bound of nothing, naming the setting', () => {
    expect(() => loadEngineConfig({ PG_STATEMENT_TIMEOUT_MS: '8000' })).toThrow(
      /PG_QUERY_TIMEOUT_MS: must be at least PG_STATEMENT_TIMEOUT_MS/,
    );
    expect(() => loadEngineConfig({ PG_CONNECT_TIMEOUT_MS: '0' })).toThrow(/PG_CONNECT_TIMEOUT_MS/);
  });
});

describe('loadEngineConfig: credentials in errors', () => {
  const refusal = (env: Record<string, string>): string => {
    try {
      loadEngineConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('names a bad connection URL without echoing its password', () => {
    const message = refusal({ EVENT_STORE: 'postgres', DATABASE_URL: 'mysql://app:s3cret@db.internal:3306/orders' });
    expect(message).toMatch(/DATABASE_URL: Invalid URL/);
    expect(message).not.toContain('s3cret');
  });

  it('does the same for every URL setting', () => {
    const message = refusal({
      QUERY_DATABASE_URL: 'postgres://reader:s3cret@db:5432 /orders',
      REDIS_URL: 'http://default:hunter2@cache:6379',
      CACHE: 'redis',
    });
    expect(message).toMatch(/QUERY_DATABASE_URL/);
    expect(message).toMatch(/REDIS_URL/);
    expect(message).not.toMatch(/s3cret|hunter2/);
  });
});

describe('loadEngineConfig: QUERY_DATABASE_URL', () => {
  it('is optional (the query service then reads as DATABASE_URL) and takes a PostgreSQL URL', () => {
    expect(loadEngineConfig({}).QUERY_DATABASE_URL).toBeUndefined();
    expect(loadEngineConfig({ QUERY_DATABASE_URL: 'postgres://reader:pw@db:5432/orders' }).QUERY_DATABASE_URL).toBe(
      'postgres://reader:pw@db:5432/orders',
    );
  });
});
