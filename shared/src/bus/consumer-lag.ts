import { Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/service-metrics.js';
import type { PartitionLag } from './kafka-feed.js';

// How many messages each Kafka consumer of this process has still to read, per partition: what the broker's high
// watermark said at the last fetch, less what the consumer has handled since. For GET /metrics.

export interface ConsumerLag {
  /** What the feed of consumer group `group` reports its partitions' lag to. */
  reporter(group: string): PartitionLag;
  current(): { group: string; partition: number; messages: number }[];
}

export function consumerLag(): ConsumerLag {
  const lags = new Map<string, Map<number, number>>();
  return {
    reporter: (group) => ({
      set(partition, messages) {
        let partitions = lags.get(group);
        if (!partitions) lags.set(group, (partitions = new Map()));
        partitions.set(partition, messages);
      },
      clear: () => lags.delete(group),
    }),
    current: () =>
      [...lags].flatMap(([group, partitions]) =>
        [...partitions].map(([partition, messages]) => ({ group, partition, messages })),
      ),
  };
}

export function registerConsumerLagMetrics(registry: Registry, lag: ConsumerLag): void {
  new Gauge({
    name: `${METRIC_PREFIX}kafka_consumer_lag_messages`,
    help: "Messages of a partition this process's consumer group member has still to read (at its last fetch).",
    labelNames: ['group', 'partition'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { group, partition, messages } of lag.current())
        this.set({ group, partition: String(partition) }, messages);
    },
  });
}
