import type { Logger } from '../logging/logger.js';
import { sleep } from './abortable.js';

// A service's housekeeping loop: every tick runs its tasks in turn (the projection service follows the registry, drops
// retired schemas and resumes rebuilds whose process died; the command service forgets expired idempotency keys).
// Each task fails on its own: a failing one is logged and tried again on the next tick.

export interface Supervisor {
  start(): void;
  /** Runs one tick now (the service's start, tests). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function supervisor(tasks: Record<string, () => Promise<unknown>>, everyMs: number, logger: Logger): Supervisor {
  let running: { controller: AbortController; loop: Promise<void> } | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const tick = () => {
    ticking = ticking.then(async () => {
      for (const [name, task] of Object.entries(tasks)) {
        try {
          await task();
        } catch (error) {
          logger.warn(`${name} failed; trying again on the next tick`, {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    });
    return ticking;
  };

  return {
    start() {
      if (running) return;
      const controller = new AbortController();
      const loop = (async () => {
        while (!controller.signal.aborted) {
          await sleep(everyMs, controller.signal);
          if (!controller.signal.aborted) await tick();
        }
      })();
      running = { controller, loop };
    },
    tick,
    async stop() {
      running?.controller.abort();
      await running?.loop;
      await ticking;
      running = undefined;
    },
  };
}
