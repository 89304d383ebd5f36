import { z } from 'zod';
import { redactSecrets } from '../logging/redact.js';

// Every setting comes from an env var, parsed once at start-up by the composition root.
// A bad value stops start-up with a message that names the variable.

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const list = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
  .default([]);

export const EngineConfig = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    COMMAND_PORT: port(3000),
    QUERY_PORT: port(3001),
    PROJECTION_PORT: port(3002),
    DATA_DIR: z.string().min(1).default('./data'),
    EVENT_STORE: z.enum(['pglite', 'postgres', 'esdb']).default('pglite'),
    ESDB_URL: z
      .string()
      .regex(/^(esdb|kurrentdb|kurrent)(\+discover)?:\/\//, 'an esdb:// connection string')
      .optional(),
    BUS: z.enum(['inprocess', 'kafka']).default('inprocess'),
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'host:port[,host:port...]')
      .transform((value) => value.split(','))
      .optional(),
    KAFKA_TOPIC: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/)
      .default('order-engine.events'),
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
    KAFKA_GROUP_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .default('order-engine'),
    // Kafka's own bounds: group.min.session.timeout.ms (6 s) and group.max.session.timeout.ms (30 min) by default.
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(1_800_000).default(30_000),
    // SASL authentication to the brokers (unset: none, PLAINTEXT); a mechanism needs KAFKA_USERNAME and KAFKA_PASSWORD.
    // The password is never shown back: no check on it reports its value (see the refinement below).
    KAFKA_SASL_MECHANISM: z
      .string()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(['scram-sha-512', 'scram-sha-256', 'plain']))
      .optional(),
    KAFKA_USERNAME: z.string().min(1).optional(),
    KAFKA_PASSWORD: z.string().optional(),
    KAFKA_SSL: bool(false),
    // command-service runs the relay ($all → Kafka) itself, competing for the relay lease with any other relay.
    RELAY_IN_PROCESS: bool(false),
    READ_DB: z.enum(['pglite', 'postgres']).default('pglite'),
    CACHE: z.enum(['memory', 'redis']).default('memory'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    // What the query service reads PostgreSQL as (read models, checkpoints, registry, event store): a role that may
    // only SELECT (npm run cli -- migrate --read-role NAME grants one). Unset: DATABASE_URL.
    QUERY_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    CACHE_KEY_PREFIX: z.string().max(100).default('order-engine:'),
    // Redis entries expire this long after their last write (0: never), which bounds how long an entry whose update was
    // lost can be served; a miss only costs a read of the read model, which fills the entry again.
    CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(86_400),
    // Bounds on every wait for PostgreSQL: a server that stops answering fails requests with 503 instead of hanging
    // them. The client-side bound sits above the server's, so a slow statement is cancelled cleanly first.
    PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    PG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
    PG_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(6_000),
    // Rebuilds (pages, verify) and history exports run statements that may take far longer than a request's.
    PG_LONG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
    READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
    EVENT_STORE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('eventstore'),
    READ_MODEL_PREFIX: z
      .string()
      .regex(/^([a-z_][a-z0-9_]*)?$/)
      .default(''),
    CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
    READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
    COMMAND_RETRIES: z.coerce.number().int().min(0).max(100).default(10),
    // Load shedding: commands handled at once, and how many may wait for a slot (half a second at most) before a 503.
    COMMAND_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(256),
    COMMAND_QUEUE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(64),
    // 0 keeps COMMAND_CONCURRENCY fixed.
    COMMAND_LATENCY_TARGET_MS: z.coerce.number().int().min(0).max(60_000).default(250),
    // On SIGTERM, how long requests and exports in flight may take to finish before their connections are cut.
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    // How long an Idempotency-Key is remembered; a repeat after that executes again. At least an hour, at most a year.
    IDEMPOTENCY_KEY_TTL_HOURS: z.coerce.number().int().min(1).max(8_760).default(24),
    // Test only (the crash tests): command-service SIGKILLs itself once an append carrying this Idempotency-Key
    // commits.
    FAULT_KILL_AFTER_APPEND_KEY: z.string().min(1).optional(),
    REBUILD_PAGE_SIZE: z.coerce.number().int().min(1).max(100_000).default(10_000),
    REBUILD_STALE_AFTER_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
    REBUILD_RETIRE_AFTER_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
    SEED_DEMO: bool(true),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    // Who may call the APIs (docs/security.md). `none` checks nothing, and is refused unless HOST is a loopback address.
    AUTH: z.enum(['keys', 'none']).default('keys'),
    // `name:role:secret,...`; parsed (and refused without echoing a secret) when the services start.
    API_KEYS: z.string().optional(),
    API_KEYS_FILE: z.string().min(1).optional(),
    JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
    CORS_ORIGINS: list,
    ALLOWED_HOSTS: list,
    // Where the console (served by the projection API) finds the other APIs; default: the same host at their ports.
    CONSOLE_COMMAND_URL: z.url({ protocol: /^https?$/ }).optional(),
    CONSOLE_QUERY_URL: z.url({ protocol: /^https?$/ }).optional(),
    // The query API as clients reach it: the command API's Location headers point there. Default: the host a request
    // came to, at QUERY_PORT.
    QUERY_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((config, ctx) => {
    // With EventStoreDB, PostgreSQL still keeps the command service's idempotency keys and checkpoints.
    const needsPostgres = config.EVENT_STORE !== 'pglite' || config.READ_DB === 'postgres';
    if (needsPostgres && !config.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required when EVENT_STORE is postgres or esdb, or READ_DB is postgres',
      });
    }
    if (config.EVENT_STORE === 'esdb' && !config.ESDB_URL) {
      ctx.addIssue({ code: 'custom', path: ['ESDB_URL'], message: 'required when EVENT_STORE is esdb' });
    }
    if (config.BUS === 'kafka' && !config.KAFKA_BROKERS) {
      ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'required when BUS is kafka' });
    }
    if (config.KAFKA_SASL_MECHANISM) {
      for (const key of ['KAFKA_USERNAME', 'KAFKA_PASSWORD'] as const) {
        if (config[key] === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'required when KAFKA_SASL_MECHANISM is set' });
      }
    } else if (config.KAFKA_USERNAME !== undefined || config.KAFKA_PASSWORD !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_MECHANISM'],
        message: 'required with KAFKA_USERNAME or KAFKA_PASSWORD (scram-sha-512, scram-sha-256 or plain)',
      });
    }
    if (config.RELAY_IN_PROCESS && config.BUS !== 'kafka') {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_IN_PROCESS'],
        message: 'needs BUS=kafka: the relay feeds Kafka, and without it events fan out in-process',
      });
    }
    if (config.RELAY_IN_PROCESS && config.EVENT_STORE === 'pglite') {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_IN_PROCESS'],
        message: 'needs EVENT_STORE postgres or esdb: the relay lease lives in PostgreSQL, beside a shared event store',
      });
    }
    if (config.PG_QUERY_TIMEOUT_MS < config.PG_STATEMENT_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PG_QUERY_TIMEOUT_MS'],
        message:
          'must be at least PG_STATEMENT_TIMEOUT_MS: the server cancels a slow statement before the client gives up ' +
          'on the connection',
      });
    }
    if ((config.JWT_JWKS_URL || config.JWT_PUBLIC_KEY_FILE) && !(config.JWT_ISSUER && config.JWT_AUDIENCE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_ISSUER'],
        message: 'JWT_ISSUER and JWT_AUDIENCE are required with JWT',
      });
    }
    if (config.CACHE === 'redis' && !config.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required when CACHE is redis' });
    }
  });
export type EngineConfig = z.infer<typeof EngineConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  // Empty strings mean "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(
        (issue) =>
          `${issue.path.join('.') || '(env)'}: ` +
          `${issue.message}` +
          // A connection string shown back keeps its user and host, never its password.
          `${'input' in issue && issue.input !== undefined ? ` (got ${redactSecrets(JSON.stringify(issue.input))})` : ''}`,
      ),
    );
  }
  return result.data;
}

export const loadEngineConfig = (env: Record<string, string | undefined>): EngineConfig =>
  parseConfig(EngineConfig, env);
