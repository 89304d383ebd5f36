import type { EventStore, GlobalPosition, HeldBack, Logger } from '@order-engine/shared';

// The PostgreSQL store shows $all only up to the oldest transaction still running on the server (read-all.ts): a
// write transaction left open anywhere (a psql session, a stuck job) stops the relay, and with it every projection,
// with nothing failing. While the relay's checkpoint stands still, this asks the store whether committed events wait,
// and when they do at the same place twice in a row, warns once, naming the transaction, until they move again.

export interface HeldBackWatchOptions {
  eventStore: EventStore;
  /** The relay's checkpoint: the watch asks only while it stands still. */
  checkpoint(): GlobalPosition | undefined;
  logger: Logger;
  /** Time between looks (default 5 s): a hold is reported after two to three of them. */
  intervalMs?: number;
  /** Told what holds $all back, and undefined once it moves again. */
  onChange(heldBack: (HeldBack & { since: Date }) | undefined): void;
}

/** Starts watching; the returned function stops it. Does nothing for a store that cannot say (heldBack missing). */
export function watchHeldBack(options: HeldBackWatchOptions): () => void {
  const { eventStore, checkpoint, logger, intervalMs = 5_000, onChange } = options;
  const heldBack = eventStore.heldBack?.bind(eventStore);
  if (!heldBack) return () => undefined;
  let last: GlobalPosition | undefined;
  let seen: { position: GlobalPosition; since: Date } | undefined;
  let reported = false;

  const clear = () => {
    if (reported)
      logger.info('$all moves again: the transaction that held it back has ended', { checkpoint: checkpoint() });
    seen = undefined;
    reported = false;
    onChange(undefined);
  };

  const look = async () => {
    const at = checkpoint();
    const stoodStill = at !== undefined && at === last;
    last = at;
    if (!stoodStill) return seen && clear();
    const held = await heldBack(at);
    if (!held || (seen && held.position !== seen.position)) return seen && clear();
    if (!seen) {
      seen = { position: held.position, since: new Date() };
      return;
    }
    onChange({ ...held, since: seen.since });
    if (reported) return;
    reported = true;
    const { blocker } = held;
    logger.warn(
      blocker
        ? `$all is held back: committed events wait for ` +
            `${blocker.kind === 'backend' ? `backend pid ${blocker.id}` : `prepared transaction ${blocker.id}`} ` +
            'to end its transaction (pg_terminate_backend or COMMIT/ROLLBACK PREPARED ends it)'
        : '$all is held back by a transaction still running; grant pg_read_all_stats to the engine to see which',
      { checkpoint: at, waitingAt: held.position, ...(blocker ? { blocker } : {}) },
    );
  };

  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    look()
      .catch((error: unknown) =>
        logger.debug('could not ask the event store what holds $all back', { error: String(error) }),
      )
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
