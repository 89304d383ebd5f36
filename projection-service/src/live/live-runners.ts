import type { GlobalPosition, LiveVersions, Logger } from '@order-engine/shared';
import type { Projection } from '../projections/projection.js';
import type { ProjectionRunner } from '../runner/runner.js';

// One runner per projection, on the version the registry says is live. When a rebuild switches a projection (in this
// process or in another one), the runner of the old version stops after its batch in hand and a runner of the new
// version starts from the new schema's own checkpoint, which the rebuild wrote with its rows.

export interface LiveRunners {
  /** The runners now running, one per projection. */
  current(): readonly ProjectionRunner[];
  /** Starts missing runners and replaces those whose version is no longer live. Calls run one after the other. */
  follow(versions: LiveVersions): Promise<void>;
  stop(): Promise<void>;
  /** True once every live runner has applied position, following switches meanwhile; false after timeoutMs. */
  waitFor(position: GlobalPosition, timeoutMs?: number): Promise<boolean>;
}

export function liveRunners(
  projections: readonly Projection[],
  makeRunner: (projection: Projection, version: number) => ProjectionRunner,
  logger: Logger,
): LiveRunners {
  const running = new Map<string, ProjectionRunner>();
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const follow = async (versions: LiveVersions) => {
    if (stopped) return;
    for (const projection of projections) {
      const version = versions[projection.name];
      const runner = running.get(projection.name);
      if (runner?.version === version) continue;
      // The old version's batch in hand commits (or not) before the new version starts: they never write together
      // from this process, and the new one starts from its own checkpoint either way.
      await runner?.stop();
      const next = makeRunner(projection, version);
      running.set(projection.name, next);
      next.start();
      if (runner)
        logger.info('following the switch to a rebuilt version', {
          projection: projection.name,
          from: runner.version,
          to: version,
        });
    }
  };

  const serially = (task: () => Promise<void>): Promise<void> => {
    const done = queue.then(task);
    queue = done.catch(() => undefined);
    return done;
  };

  return {
    current: () => [...running.values()],
    follow: (versions) => serially(() => follow(versions)),
    stop: () =>
      serially(async () => {
        stopped = true;
        await Promise.all([...running.values()].map((runner) => runner.stop()));
      }),
    async waitFor(position, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runners = [...running.values()];
        const remaining = deadline - Date.now();
        // Short slices: a runner replaced by a switch meanwhile would never answer for the new version.
        const reached = await Promise.all(
          runners.map((runner) => runner.waitFor(position, Math.max(0, Math.min(remaining, 200)))),
        );
        const unchanged =
          runners.length === running.size && runners.every((runner) => running.get(runner.projection.name) === runner);
        if (reached.every(Boolean) && unchanged && runners.length > 0) return true;
        if (Date.now() >= deadline) return false;
      }
    },
  };
}
