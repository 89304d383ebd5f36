import {
  processor,
  reactor,
  type Processor,
  type ProcessorOptions,
  type ProcessorStatus,
  type ReactorOptions,
} from '@order-engine/shared';

// The saga's consumer is a processor whose handler is a reactor: the loop's guarantees live (and are tested) in
// shared/src/processor; here only the saga's configuration.

export type ConsumerStatus = ProcessorStatus;
export type Consumer = Processor;
export type ConsumerOptions = Omit<ProcessorOptions, 'handle'> & ReactorOptions;

/** Feeds events to `handle` (one key at a time, see keyOf), checkpointing each round: at-least-once, resumable. */
export function checkpointedConsumer({ handle, keyOf, ...options }: ConsumerOptions): Consumer {
  return processor({ ...options, handle: reactor({ handle, keyOf }) });
}
