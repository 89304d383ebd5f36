// What the projections table remembers between polls of GET /projections, in memory only: enough polls to draw five
// minutes of lag, compute the apply rate and notice a checkpoint that no longer moves.

export interface Poll {
  /** When the answer came (ms since the epoch). */
  at: number;
  /** Positions are int8 in decimal: BigInt keeps them exact. */
  checkpoint: bigint;
  head: bigint;
  lagEvents: number;
}

export type Trends = ReadonlyMap<string, readonly Poll[]>;

export const TREND_WINDOW_MS = 5 * 60_000;
/** Polls in a row that saw the checkpoint where it was before, the head having moved, to call it stalled. */
export const STALL_POLLS = 3;

interface PolledStatus {
  name: string;
  checkpoint: string;
  headPosition: string;
  lagEvents: number;
}

/** The trends with this poll's answer added, polls older than the window dropped. */
export function recordPoll(trends: Trends, statuses: readonly PolledStatus[], at: number): Trends {
  const next = new Map<string, readonly Poll[]>();
  for (const status of statuses) {
    const poll = {
      at,
      checkpoint: BigInt(status.checkpoint),
      head: BigInt(status.headPosition),
      lagEvents: status.lagEvents,
    };
    const kept = (trends.get(status.name) ?? []).filter((earlier) => earlier.at > at - TREND_WINDOW_MS);
    next.set(status.name, [...kept, poll]);
  }
  return next;
}

/** Events applied per second between the last two polls; undefined before there are two. */
export function eventsPerSecond(polls: readonly Poll[]): number | undefined {
  const last = polls.at(-1);
  const before = polls.at(-2);
  if (!last || !before || last.at <= before.at) return undefined;
  const applied = last.checkpoint >= before.checkpoint ? last.checkpoint - before.checkpoint : 0n;
  return Number(applied) / ((last.at - before.at) / 1_000);
}

/** The checkpoint stood still for the last STALL_POLLS polls while the head moved on. */
export function isStalled(polls: readonly Poll[]): boolean {
  const recent = polls.slice(-(STALL_POLLS + 1));
  const first = recent[0];
  const last = recent.at(-1);
  if (recent.length <= STALL_POLLS || !first || !last) return false;
  return recent.every((poll) => poll.checkpoint === first.checkpoint) && last.head > first.head;
}
