import { HttpProblem } from '@order-engine/shared';
import type { Request, Response } from 'express';
import { MinPosition } from './read-position-api.js';
import type { ReadPosition, ReadYourWrites } from './read-your-writes.js';

// The HTTP side of read-your-writes: the position a request asks for, and the one its answer reflects.

export const MIN_POSITION_HEADER = 'x-min-position';
export const READ_POSITION_HEADER = 'X-Read-Position';
export const STALE_HEADER = 'X-Stale';

/** The request's X-Min-Position, if it sent one; a 400 problem when it is not a position. */
export function minPositionOf(req: Pick<Request, 'get'>): bigint | undefined {
  const header = req.get(MIN_POSITION_HEADER);
  if (header === undefined) return undefined;
  if (!MinPosition.safeParse(header).success) {
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
  return BigInt(header);
}

export function setReadPosition(res: Response, { position, stale }: ReadPosition): void {
  res.setHeader(READ_POSITION_HEADER, position.toString());
  if (stale) res.setHeader(STALE_HEADER, 'true');
}

/** For a list or a sum: waits for the request's X-Min-Position, if any, and says what the answer reflects. */
export async function waitForRequestedPosition(
  req: Request,
  res: Response,
  readYourWrites: ReadYourWrites,
  projection: string,
): Promise<void> {
  const minPosition = minPositionOf(req);
  if (minPosition !== undefined) setReadPosition(res, await readYourWrites.waitFor(projection, minPosition));
}
