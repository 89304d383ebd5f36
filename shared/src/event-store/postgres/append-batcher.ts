import { EventStoreUnavailable } from '../errors.js';
import type { AppendResult } from '../event-store.js';
import type { AppendOutcome, AppendRequest } from './append.js';

// Group commit in the client. An append that finds a free slot is sent at once, alone; appends that arrive while
// every slot is busy wait, and go together in the next call: one transaction, one WAL flush for all of them. No timer
// is involved, so a lone append pays no extra latency, and under load each commit carries many appends, which is
// what lets concurrent single-event appends go faster than as many single-row INSERTs. Every caller still gets its
// own outcome, only once its append has committed.

export interface AppendBatcherOptions {
  /** Calls in flight at once (default 2): one commits while the next fills. */
  maxInFlight?: number;
  /** Appends per call at most (default 256). */
  maxBatch?: number;
}

interface Pending {
  request: AppendRequest;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export function appendBatcher(run: (requests: readonly AppendRequest[]) => Promise<AppendOutcome[]>, options: AppendBatcherOptions = {}) {
  const maxInFlight = options.maxInFlight ?? 2;
  const maxBatch = options.maxBatch ?? 256;
  const waiting: Pending[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function send(batch: readonly Pending[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await run(batch.map((pending) => pending.request));
    } catch (error) {
      if (batch.length === 1 || error instanceof EventStoreUnavailable) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One append's fault (a duplicate event id, say) fails the whole transaction: send each again alone, so that
      // it fails only its own caller.
      await Promise.all(batch.map((pending) => send([pending])));
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    });
  }

  return {
    append(request: AppendRequest): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        pump();
      });
    },
  };
}
