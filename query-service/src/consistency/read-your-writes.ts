import type { CheckpointWaiter } from './checkpoint-waiter.js';

// A client that just ran a command sends the position the command answered with; its next read must show that
// write. Waiting is bounded: past the timeout the read says it is stale instead of hanging.

/** What a read reflects: the position it is as of, and whether that falls short of the one asked for. */
export interface ReadPosition {
  position: bigint;
  stale: boolean;
}

export interface ReadYourWrites {
  /** Waits (bounded) until `projection`'s live version has passed `minPosition`. */
  waitFor(projection: string, minPosition: bigint): Promise<ReadPosition>;
  /**
   * Whether the cache holds every view as of the checkpoints waited for (projections in this process write it before
   * they report a position); otherwise a read that waited must go past the cache to PostgreSQL.
   */
  cacheCovers: boolean;
}

/**
 * @param liveSchemaOf the projection's live schema, as the waiter and the routes resolve it (it only moves forward).
 */
export function readYourWrites(
  waiter: CheckpointWaiter,
  timeoutMs: number,
  cacheCovers = false,
  liveSchemaOf?: (projection: string) => Promise<string>,
): ReadYourWrites {
  return {
    cacheCovers,
    async waitFor(projection, minPosition) {
      const deadline = Date.now() + timeoutMs;
      // A rebuild's switch during the wait: the checkpoint that passed the position may have been the old version's,
      // which goes on applying its round while the new one has yet to. Then wait again, for the new one.
      for (let round = 1; ; round++) {
        const before = await liveSchemaOf?.(projection);
        const { position, reached } = await waiter.waitFor(projection, minPosition, Math.max(0, deadline - Date.now()));
        if (!reached) return { position, stale: true };
        if (before === (await liveSchemaOf?.(projection)) || round === 3) return { position, stale: false };
      }
    },
  };
}
