import { SpanKind } from '@opentelemetry/api';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import { spansPerTrace } from '../tracing/spans-per-trace.js';
import type { ProcessorOptions, SourceBatch } from './processor.js';

/** A source's checkpoint row as a projector keeps it. */
export interface ProjectorCheckpointRow {
  position: GlobalPosition;
  /** Where the source stood before the transaction that last moved it: the events after it may lack their writes. */
  uncachedAfter: GlobalPosition;
}

/** What one of a projector's transactions did. */
export interface Applied<Write> {
  /** The writes to make after its commit (cache entries of the rows it changed). */
  writes: Write[];
  /** Events at or below their source's checkpoint row as the transaction locked it: another worker applied them. */
  appliedBefore: RecordedEvent[];
  /** Events set aside as dead letters (undecodable, or failing on their own) instead of applied. */
  deadLettered: number;
}

/** Writes that follow a commit, and can therefore be lost with the process between the two (a cache). */
export interface AfterCommit<Write> {
  /** The writes of the rows these applied events feed, as the rows are now. */
  rowsOf(events: readonly RecordedEvent[]): Promise<Write[]>;
  write(writes: readonly Write[]): Promise<void>;
}

export interface ProjectorOptions<Write> {
  /** The checkpoint rows of every source of `name` (`<name>`, `<name>#p<n>`). */
  readRows(name: string): Promise<Map<string, ProjectorCheckpointRow>>;
  /**
   * Applies the sources' events and moves their checkpoint rows to their `through` in one transaction that locks the
   * rows first and applies only the events above them: rows and checkpoints commit together or not at all.
   */
  apply(sources: readonly SourceBatch[]): Promise<Applied<Write>>;
  /** Absent when nothing follows the commits (a rebuild writes no cache). */
  afterCommit?: AfterCommit<Write>;
  /**
   * A span of each round's transaction in every trace the events it `reads` carry, `write <name>`, so that a command's
   * trace shows each projection's write of its events; absent: no such spans (a rebuild's replay).
   */
  traceWrites?: TraceWrites;
}

export interface TraceWrites {
  name: string;
  /** The events the transaction writes rows for (the others only move the checkpoint). */
  reads(event: RecordedEvent): boolean;
}

/** The part of a processor's configuration a projector makes: checkpoints saved by its own transactions. */
export type ProjectorConfiguration = Pick<ProcessorOptions, 'checkpoints' | 'handle' | 'redelivery'>;

/**
 * The handler kind that writes read models: each round is one transaction of rows and checkpoints, then the
 * after-commit writes. Spread it into a processor: `processor({ name, feed, logger, ...projector(options) })`.
 */
export function projector<Write>({
  readRows,
  apply: applyOnly,
  afterCommit,
  traceWrites,
}: ProjectorOptions<Write>): ProjectorConfiguration {
  const checkpoints = {
    async loadAll(name: string) {
      const rows = await readRows(name);
      for (const [source, row] of rows) cachedThrough(source, row.uncachedAfter);
      return new Map([...rows].map(([source, row]) => [source, row.position]));
    },
  };

  // See docs/architecture.md, Re-caching after a crash: a process killed between its commit and its writes leaves
  // older entries no event will replace. By source, the events after this position (up to the checkpoint) may lack
  // their writes; the feed resumes from here, and every such event that comes again has its rows written again, as
  // they are now (the writes are version-guarded). Only afterCommit's writes need this: rows are in the transaction.
  const uncachedAfter = new Map<string, GlobalPosition>();
  function cachedThrough(source: string, position: GlobalPosition) {
    if (position > (uncachedAfter.get(source) ?? -1n)) uncachedAfter.set(source, position);
  }
  const mayLackWrites = (source: string, events: readonly RecordedEvent[]) =>
    events.filter(({ position }) => position > (uncachedAfter.get(source) ?? position));

  const apply = traceWrites ? tracedApply(traceWrites, applyOnly) : applyOnly;
  if (!afterCommit)
    return {
      checkpoints,
      handle: async (_events, _signal, sources) => ({ deadLettered: (await apply(sources)).deadLettered }),
    };
  const writeAgain = async (events: readonly RecordedEvent[], writes: Write[] = []) => {
    if (events.length > 0) writes.push(...(await afterCommit.rowsOf(events)));
    if (writes.length > 0) await afterCommit.write(writes);
  };

  return {
    checkpoints,
    // The round is applied even when the processor is stopping: its writes follow the commit, as a drain should.
    async handle(_events, _signal, sources) {
      const { writes, appliedBefore, deadLettered } = await apply(sources);
      // Events another worker applied (the rows were past them) may lack their writes the same way.
      await writeAgain(appliedBefore, writes);
      for (const { source, through } of sources) cachedThrough(source, through);
      return { deadLettered };
    },
    redelivery: {
      resumeAfter: (source, checkpoint) => {
        const after = uncachedAfter.get(source);
        return after !== undefined && after < checkpoint ? after : checkpoint;
      },
      async handle(covered) {
        await writeAgain(covered.flatMap(({ source, events }) => mayLackWrites(source, events)));
        for (const { source, through } of covered) cachedThrough(source, through);
      },
    },
  };
}

/** The transaction in a span per trace the events it reads carry, from before it starts to its commit. */
function tracedApply<Write>(
  { name, reads }: TraceWrites,
  apply: ProjectorOptions<Write>['apply'],
): ProjectorOptions<Write>['apply'] {
  return async (sources) => {
    const read = sources.flatMap(({ events }) => events.filter(reads));
    const spans = spansPerTrace(`write ${name}`, read, { kind: SpanKind.INTERNAL });
    try {
      const applied = await apply(sources);
      spans.end();
      return applied;
    } catch (error) {
      spans.end(error);
      throw error;
    }
  };
}
