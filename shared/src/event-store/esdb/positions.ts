import { START, type Position, type ReadPosition } from '@eventstore/db-client';
import type { GlobalPosition } from '../event-store.js';

// The port's position is the event's ESDB commit position. Why that is enough (checked in EventStoreDB's source):
//
// - An append writes each of its events as its own prepare record flagged IsCommitted (an "implicit transaction":
//   StorageWriterService.WritePrepares); no separate commit record follows. So the events of a multi-event append
//   do not share a position: each sits at its own log position.
// - $all reads return such a record with commit = prepare = its own log position (AllReader builds
//   `CommitEventRecord(event, prepare.LogPosition)` and compares `TFPos(LogPosition, LogPosition)` with the read
//   position), and gRPC hands that pair to the client as `event.position` (EventStore PR #2522, 2020). Since 22.6
//   stream reads carry the same pair (PR #3459: gRPC, non-transactional events only). The commit position is thus
//   distinct per event and strictly increasing in $all order, the port's contract; the prepare position is equal.
//   (Before PR #2522 the gRPC `prepare` was the *transaction* position, shared by every event of one append: the
//   commit position is the one that was right on every version.)
// - Events share a commit position only in explicit transactions (legacy TCP API, not writable over gRPC): the
//   commit record's position, with distinct prepares. toGlobalPosition refuses those rather than give two events
//   one position, which would make a reader resuming "after" it skip the rest of the transaction.
//
// Going back: `after` becomes { commit: p, prepare: p }. A forward $all read from it is inclusive (the event at p
// comes back first: callers skip positions <= after) and a catch-up subscription from it is exclusive (the server
// skips `position <= start`); a backward read from it is exclusive. `after` must therefore be 0n or a position
// this store returned: a number between two records is not a record boundary in ESDB's log.

/** Largest position a bigint column (and the port's JSON consumers) can hold; ESDB reports "none" as 2^64 - 1. */
const maxPosition = (1n << 63n) - 1n;

/** The port's position of an event read from ESDB. */
export function toGlobalPosition(position: Position | undefined, describe: () => string): GlobalPosition {
  if (!position || position.commit <= 0n || position.commit > maxPosition) {
    throw new Error(
      `EventStoreDB returned no $all position for ${describe()}: the ESDB adapter needs EventStoreDB 22.6 or later`,
    );
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `${describe()} was written in an explicit transaction (commit ${position.commit}, prepare ` +
        `${position.prepare}): ` +
        'the ESDB adapter supports one event per commit position only',
    );
  }
  return position.commit;
}

/** The commit position of an entry of $all, without the checks above (system events are skipped, not returned). */
export function commitPositionOf(resolved: {
  event?: { position?: Position };
  commitPosition?: bigint;
}): bigint | undefined {
  return resolved.event?.position?.commit ?? resolved.commitPosition;
}

/** Where a read or subscription that starts after `after` (exclusive) begins in $all. */
export function toReadPosition(after: GlobalPosition): ReadPosition {
  return after <= 0n ? START : atPosition(after);
}

export function atPosition(position: GlobalPosition): Position {
  return { commit: position, prepare: position };
}
