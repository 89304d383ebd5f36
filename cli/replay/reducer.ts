import {
  decodeEvent,
  isDomainEventType,
  UnreadableEvent,
  type DomainEvent,
  type DomainEventType,
  type RecordedEvent,
} from '@order-engine/shared';
import { CliFailure } from '../command.js';

// A user's reducer folds history into a report: a plain ESM file exporting `init`, `reduce`, and optionally `done`
// (turns the accumulator into the result) and `types` (the event types it reads: the store then filters, which is
// much faster than handing every event over). See examples/ for three of them.

/**
 * An event as a reducer gets it: upcast to the current schema of its type (so a reducer handles one shape per
 * type), with its position as a decimal string (exact, and JSON-safe) and recordedAt as a Date.
 */
export type HistoryEvent = Omit<RecordedEvent, 'type' | 'data' | 'position'> & { position: string } & DomainEvent;

export interface Reducer<Accumulator = unknown, Result = unknown> {
  /** A fresh accumulator. A module may export a plain value instead of a function; it is then copied. */
  init: () => Accumulator;
  /** Synchronous: returns the next accumulator (it may change and return the one it got). */
  reduce: (accumulator: Accumulator, event: HistoryEvent) => Accumulator;
  done?: (accumulator: Accumulator) => Result;
  types?: readonly DomainEventType[];
}

/** Imports a reducer module (named exports, or a default export holding them) and checks its shape. */
export async function loadReducer(url: URL): Promise<Reducer> {
  const module = (await import(url.href).catch((error: unknown) => {
    throw new CliFailure(`cannot load the reducer ${url.pathname}: ${(error as Error).message}`, { cause: error });
  })) as Record<string, unknown>;
  const exported = (isObject(module.default) && 'reduce' in module.default ? module.default : module) as Record<
    string,
    unknown
  >;
  const { init, reduce, done, types } = exported;
  const problems = [
    typeof reduce !== 'function' && 'export a function reduce(accumulator, event)',
    init === undefined && 'export init: a function returning the first accumulator (or a plain value)',
    done !== undefined && typeof done !== 'function' && 'done, when exported, must be a function',
    types !== undefined &&
      !(Array.isArray(types) && types.every((t) => typeof t === 'string' && isDomainEventType(t))) &&
      'types, when exported, must list known event types',
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0)
    throw new CliFailure(`${url.pathname} is not a reducer:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    init: typeof init === 'function' ? (init as () => unknown) : () => structuredClone(init),
    reduce: reduce as Reducer['reduce'],
    done: done as Reducer['done'],
    types: types as DomainEventType[] | undefined,
  };
}

export interface ReplayOutcome {
  result: unknown;
  events: number;
  /** False when the signal stopped the replay: the result is then of part of the history, and left out. */
  complete: boolean;
}

/** Folds pages of stored events through the reducer, decoding each event first. */
export async function runReducer(
  reducer: Reducer,
  pages: AsyncIterable<readonly RecordedEvent[]>,
  options: { signal?: AbortSignal; onPage?: (page: readonly RecordedEvent[], events: number) => void } = {},
): Promise<ReplayOutcome> {
  let accumulator = reducer.init();
  let events = 0;
  for await (const page of pages) {
    if (options.signal?.aborted) return { result: undefined, events, complete: false };
    for (const recorded of page) accumulator = step(reducer, accumulator, recorded);
    events += page.length;
    options.onPage?.(page, events);
  }
  return { result: reducer.done ? reducer.done(accumulator) : accumulator, events, complete: true };
}

function step(reducer: Reducer, accumulator: unknown, recorded: RecordedEvent): unknown {
  const where = `event at position ${recorded.position} (${recorded.type} in ${recorded.streamId})`;
  let event: HistoryEvent;
  try {
    event = toHistoryEvent(recorded);
  } catch (error) {
    if (error instanceof UnreadableEvent)
      throw new CliFailure(`cannot decode the ${where}: ${error.message}`, { cause: error });
    throw error;
  }
  let next: unknown;
  try {
    next = reducer.reduce(accumulator, event);
  } catch (error) {
    throw new CliFailure(
      `the reducer failed on the ${where}:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      { cause: error },
    );
  }
  if (isObject(next) && typeof (next as { then?: unknown }).then === 'function') {
    throw new CliFailure(`the reducer returned a promise for the ${where}: reduce must be synchronous`);
  }
  return next;
}

export function toHistoryEvent(recorded: RecordedEvent): HistoryEvent {
  const decoded = decodeEvent(recorded);
  return { ...decoded, position: decoded.position.toString() } as HistoryEvent;
}

/** JSON for a result: bigints as decimal strings, Maps as objects, Sets as arrays. */
export function resultJson(result: unknown): string {
  const text = JSON.stringify(
    result,
    (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Set) return [...value];
      return value;
    },
    2,
  );
  return text ?? 'null';
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
