import { AsyncLocalStorage } from 'node:async_hooks';
import { redactSecrets } from './redact.js';

// Structured logs: one JSON object per line on stderr, so they stay machine-readable in production. Every string in
// a line (the message, each field) has its credentials redacted (see redact.ts): a connection URL or a driver's error
// may be logged as it is.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** Fields every line logged while handling one request carries (its request and correlation ids). */
export const logContext = new AsyncLocalStorage<Fields>();

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  level: LogLevel = 'info',
  base: Fields = {},
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Fields = {}) => {
      if (rank[at] < rank[level]) return;
      write(
        JSON.stringify(
          { time: new Date().toISOString(), level: at, msg: message, ...base, ...logContext.getStore(), ...fields },
          (_k, v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? redactSecrets(v) : v),
        ),
      );
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger('silent');
