import type { GlobalPosition } from '../event-store/event-store.js';

/** What every processor tells about itself, in one shape: the seam for health answers, metrics and a console. */
export interface ProcessorStatus {
  name: string;
  running: boolean;
  /** Every event up to here is handled and checkpointed, as far as this process knows. */
  position: GlobalPosition;
  lastError?: string;
  counters: ProcessorCounters;
}

export interface ProcessorCounters {
  /** Rounds handled and checkpointed. */
  rounds: number;
  /** Events handed to the handler in rounds that were checkpointed. */
  events: number;
  /** Time spent on those rounds, from handing them over to their checkpoint, in seconds. */
  roundSeconds: number;
  /** Rounds that failed and were retried from the checkpoint. */
  failures: number;
  /** Events given up on: handed to the dead-letter hook, or set aside by the handler itself (a projector's poison). */
  deadLettered: number;
}

export const noCounters = (): ProcessorCounters => ({
  rounds: 0,
  events: 0,
  roundSeconds: 0,
  failures: 0,
  deadLettered: 0,
});
