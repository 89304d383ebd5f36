import { Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX, readPerScrape } from '@order-engine/shared';
import type { ProjectionStatus } from './projection-status.js';

// Each projection's live version against the head of `$all`, and its rebuild's progress: read from the database at
// each scrape (as GET /projections is), so the figures are right whichever processes run the workers and rebuilds.

type Figure = (status: ProjectionStatus) => number | undefined;

const figures: [string, string, Figure][] = [
  [
    'projection_lag_events',
    "Positions of $all between the live version's checkpoint and the head.",
    (s) => s.lagEvents,
  ],
  [
    'projection_lag_seconds',
    'Age of the oldest event the live version has not applied (0 when caught up).',
    (s) => s.lagSeconds,
  ],
  [
    'projection_checkpoint_position',
    'Position up to which the live version has applied every event.',
    (s) => Number(s.checkpoint),
  ],
  ['projection_version', 'The live version: the one queries read.', (s) => s.version],
  [
    'rebuild_progress_ratio',
    'Share of the events up to the head a running rebuild has replayed (0 to 1); absent when none runs.',
    ({ rebuild }) => rebuild && (rebuild.eventsTotal > 0 ? Math.min(1, rebuild.eventsDone / rebuild.eventsTotal) : 0),
  ],
  [
    'rebuild_eta_seconds',
    'Time a running rebuild expects to need still; absent until its rate is known.',
    ({ rebuild }) => rebuild?.etaSeconds ?? undefined,
  ],
];

export function registerProjectionMetrics(registry: Registry, statuses: () => Promise<ProjectionStatus[]>): void {
  // Every gauge collects from one read of the database per scrape.
  const current = readPerScrape(statuses);
  for (const [name, help, figure] of figures)
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames: ['projection'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const status of await current()) {
          const value = figure(status);
          if (value !== undefined) this.set({ projection: status.name }, value);
        }
      },
    });
}
