import type { Sql } from '../../sql/sql.js';

// Wakes subscribers after an append has committed. NOTIFY is sent after commit, not inside append_events: a
// transaction that notifies takes a server-wide lock at commit, which would serialise every appender's commit.
// Sends are coalesced (at most one in flight, plus one more if appends happened meanwhile), and a failed send is
// ignored: subscribers poll as well, so a lost notification costs latency, never events.

export function notifier(sql: Sql, channel: string) {
  let inFlight: Promise<void> | undefined;
  let again = false;

  async function send(): Promise<void> {
    do {
      again = false;
      await sql.query('select pg_notify($1, $2)', [channel, '']).catch(() => {});
    } while (again);
    inFlight = undefined;
  }

  return {
    poke(): void {
      if (inFlight) again = true;
      else inFlight = send();
    },
    /** Waits for pending sends (before the Sql is closed). */
    async drain(): Promise<void> {
      while (inFlight) await inFlight;
    },
  };
}

/** Channel of a store's schema; LISTEN takes an identifier of at most 63 bytes. */
export function channelOf(schema: string): string {
  return `es_${schema}`.slice(0, 63);
}
