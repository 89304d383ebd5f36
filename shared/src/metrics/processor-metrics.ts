import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventStore } from '../event-store/event-store.js';
import { lagReader } from '../event-store/lag.js';
import type { ProcessorCounters, ProcessorStatus } from '../processor/status.js';
import { METRIC_PREFIX, readPerScrape } from './service-metrics.js';

// Every processor (projection, saga, relay) in one set of series, read from its status at each scrape: the status
// is the one shape all processors share, so a new processor needs no metrics code of its own.

export interface WatchedProcessor {
  /** `projection`, `saga` or `relay`: a label, so dashboards can pick one kind. */
  kind: string;
  status(): ProcessorStatus;
}

const counted: [keyof ProcessorCounters, string, string][] = [
  ['events', 'events_total', 'Events handled in checkpointed rounds.'],
  ['rounds', 'rounds_total', 'Rounds handled and checkpointed.'],
  ['roundSeconds', 'round_seconds_total', 'Time spent handling rounds (divide by rounds_total for the mean round).'],
  ['failures', 'failures_total', 'Rounds that failed and were retried from the checkpoint.'],
  ['deadLettered', 'dead_letters_total', 'Events given up on and set aside as dead letters.'],
];

/**
 * Registers the processors' series; lag is measured against the event store's head at each scrape (leave the store
 * out where another source says the lag better, as the projection service's checkpoints table does).
 */
export function registerProcessorMetrics(
  registry: Registry,
  processors: () => readonly WatchedProcessor[],
  eventStore?: EventStore,
): void {
  const labelNames = ['kind', 'processor'] as const;
  const labelsOf = ({ kind, status }: { kind: string; status: ProcessorStatus }) => ({ kind, processor: status.name });
  const statuses = () => processors().map((watched) => ({ kind: watched.kind, status: watched.status() }));

  for (const [field, suffix, help] of counted)
    new Counter({
      name: `${METRIC_PREFIX}processor_${suffix}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const watched of statuses()) this.inc(labelsOf(watched), watched.status.counters[field]);
      },
    });
  new Gauge({
    name: `${METRIC_PREFIX}processor_running`,
    help: '1 while the processor runs its loop.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const watched of statuses()) this.set(labelsOf(watched), watched.status.running ? 1 : 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}processor_checkpoint_position`,
    help: 'Position of $all up to which every event is handled and checkpointed.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const watched of statuses()) this.set(labelsOf(watched), Number(watched.status.position));
    },
  });
  if (!eventStore) return;

  // Both lag gauges come from one read of the event store per scrape.
  const lags = readPerScrape(async () => {
    const current = statuses();
    const lagOf = lagReader(eventStore, await eventStore.headPosition(), new Date());
    return Promise.all(
      current.map(async (watched) => ({ labels: labelsOf(watched), ...(await lagOf(watched.status.position)) })),
    );
  });
  for (const [unit, help] of [
    ['events', 'Positions of $all between the checkpoint and the head.'],
    ['seconds', 'Age of the oldest event not handled yet (0 when caught up).'],
  ] as const)
    new Gauge({
      name: `${METRIC_PREFIX}processor_lag_${unit}`,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const lag of await lags()) this.set(lag.labels, lag[unit]);
      },
    });
}
