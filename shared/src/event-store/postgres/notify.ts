import type { Sql } from '../../sql/sql.js';

// Wakes subscribers after an append has committed. Subscribers of the same store object are woken at once, in
// process; the others (other processes, or other store objects on the same database) through NOTIFY.
//
// NOTIFY is sent after commit, not inside append_events: a transaction that notifies takes a server-wide lock at
// commit, which would serialise every appender's commit. Sends are coalesced: at most one in flight, the next no
// sooner than minIntervalMs after it, carrying every append made meanwhile. A lone append is announced at once; a
// steady stream of appends costs one NOTIFY per interval, not one per append (each is a transaction of its own,
// which competes with the appends). The interval is 20 ms: a subscriber in another process (the relay) takes a
// round longer than that under a steady stream anyway (it lingers 10 ms after a batch and waits for Kafka's
// acknowledgement), while every NOTIFY is a transaction the appenders wait behind. Measured on two cores against
// 5 ms: one writer 1,203–1,334 against 913–964 appends/s, and PlaceOrder at 200/s, distributed, visible p99 226 and
// 312 ms against 389 and 556 ms. A failed send is ignored: subscribers poll as well, so a lost notification costs
// latency, never events. Without an Sql (a database only this store uses), only local subscribers are woken.

export function notifier(sql: Sql | undefined, channel: string, minIntervalMs = 20) {
  const local = new Set<() => void>();
  let inFlight: Promise<void> | undefined;
  let again = false;
  let lastSent = 0;

  async function send(sql: Sql): Promise<void> {
    do {
      again = false;
      // Even when due, it waits for the turn of the event loop to end: the writer whose append just returned sends
      // its next one first, and this NOTIFY goes out while that one is on the server, not in front of it.
      const wait = lastSent + minIntervalMs - performance.now();
      await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
      lastSent = performance.now();
      // A notifying transaction gets an xid and so a commit record: without synchronous_commit off it would wait for
      // a WAL flush of its own, one more fsync beside the appends' (a lost notification is harmless, see above).
      await sql
        .query(`select set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`, [channel, ''])
        .catch(() => {});
    } while (again);
    inFlight = undefined;
  }

  return {
    poke(): void {
      for (const wake of local) wake();
      if (!sql) return;
      if (inFlight) again = true;
      else inFlight = send(sql);
    },
    /** Calls onAppend after every append through this store; returns the function that stops it. */
    onLocalAppend(onAppend: () => void): () => void {
      local.add(onAppend);
      return () => local.delete(onAppend);
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
