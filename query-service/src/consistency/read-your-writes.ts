import { HttpProblem } from '@order-engine/shared';
import type { Request, Response } from 'express';
import type { CheckpointWaiter } from './checkpoint-waiter.js';

// A client that just ran a command sends the position the command answered with; its next read must show that
// write. Waiting is bounded: past the timeout the answer says it is stale instead of hanging.

export const MIN_POSITION_HEADER = 'x-min-position';
export const READ_POSITION_HEADER = 'X-Read-Position';
export const STALE_HEADER = 'X-Stale';

const MAX_POSITION = 2n ** 63n - 1n; // positions are int8 in PostgreSQL

export function parseMinPosition(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const position = /^\d{1,19}$/.test(header) ? BigInt(header) : undefined;
  if (position === undefined || position > MAX_POSITION) {
    throw new HttpProblem(
      400,
      'invalid-min-position',
      'Bad Request',
      'X-Min-Position must be a decimal event position, as a command answer gives it',
      {
        errors: [{ path: 'header.x-min-position', message: 'a decimal integer from 0 to 9223372036854775807' }],
      },
    );
  }
  return position;
}

export interface ReadYourWrites {
  /**
   * Waits until `projection` has passed the request's X-Min-Position, if it sent one, and sets the answer's
   * X-Read-Position (and X-Stale on timeout). True when the caller must then read PostgreSQL past the cache: the
   * request asked for its writes, and the cache's entry may lag a few milliseconds behind the checkpoint.
   */
  settle(req: Request, res: Response, projection: string): Promise<boolean>;
  /** settle for a position the caller has parsed already. */
  settleAt(res: Response, projection: string, minPosition: bigint): Promise<boolean>;
}

/**
 * @param cacheKeepsUp the cache holds every view as of the checkpoints the waiter sees (projections in this process
 *   write it before they report a position), so a request that waited for its position may still be served from it.
 * @param liveSchemaOf the projection's live schema, as the waiter and the routes resolve it (it only moves forward).
 */
export function readYourWrites(
  waiter: CheckpointWaiter,
  timeoutMs: number,
  cacheKeepsUp = false,
  liveSchemaOf?: (projection: string) => Promise<string>,
): ReadYourWrites {
  const settleAt = async (res: Response, projection: string, minPosition: bigint): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    // The route reads the live version resolved after the wait. If a rebuild's switch made another version live
    // during the wait, the checkpoint that passed the position may have been the old version's, which goes on applying
    // the round it holds at the switch while the new one has yet to: then wait again, for the new one.
    for (let round = 1; ; round++) {
      const before = await liveSchemaOf?.(projection);
      const { position, reached } = await waiter.waitFor(projection, minPosition, Math.max(0, deadline - Date.now()));
      res.setHeader(READ_POSITION_HEADER, position.toString());
      if (!reached) {
        res.setHeader(STALE_HEADER, 'true');
        break;
      }
      if (before === (await liveSchemaOf?.(projection)) || round === 3) break;
    }
    return !cacheKeepsUp;
  };
  return {
    async settle(req, res, projection) {
      const minPosition = parseMinPosition(req.get(MIN_POSITION_HEADER));
      return minPosition === undefined ? false : settleAt(res, projection, minPosition);
    },
    settleAt,
  };
}
