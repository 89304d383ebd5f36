// Credentials never reach a log line, an error message or the terminal: whatever text may carry a connection string
// (DATABASE_URL, QUERY_DATABASE_URL, REDIS_URL, ESDB_URL, a driver's error) goes through redactSecrets first. The user
// name and host stay, as they are what one needs to tell which server or role is meant.

// scheme://user:password@host: the password runs to the last `@` before the path, query, fragment or a space (an
// unencoded `@` in a password is the classic way to defeat a stricter pattern). `redis://:password@host` too.
const userInfoPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@'"]*):[^\s/?#'"]*@/gi;
// password=... in a URL's query (?password=, &password=) or a key=value connection string (libpq's conninfo).
const passwordParameter = /((?:^|[?&;\s'"])(?:password|passwd|pass|pwd)=)(?:'[^']*'|[^\s&;'"]*)/gi;

export const REDACTED = '***';

/** The text with the password of every URL or `password=` parameter in it replaced by `***`. */
export function redactSecrets(text: string): string {
  return text.replace(userInfoPassword, `$1:${REDACTED}@`).replace(passwordParameter, `$1${REDACTED}`);
}

/** An error's message (or its stack, with stack: true), redacted; for anything thrown that is not an Error, its text. */
export function redactedError(error: unknown, options: { stack?: boolean } = {}): string {
  const text = error instanceof Error ? ((options.stack ? error.stack : undefined) ?? error.message) : String(error);
  return redactSecrets(text);
}
