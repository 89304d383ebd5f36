import {
  HttpProblem,
  type EventStore,
  type Logger,
  type RecordedEvent,
  type StreamSummary,
} from '@order-engine/shared';
import { Router, type Response } from 'express';
import { DEFAULT_PAGE_SIZE, pagesOfAll, pagesOfStream, startPages } from './event-pages.js';
import { eventFormats } from './formats.js';
import { OrderParams, ProductParams, StreamParams } from './history-api.js';
import {
  EventsQuery,
  PointQuery,
  StreamQuery,
  StreamsQuery,
  type HistoryFormat,
  type PointInHistory,
} from './params.js';
import { orderAt, productAt, type EntityAt, type TimeTravel } from './time-travel.js';
import { writeEvents } from './write-events.js';

// History for analysts, read from the event store itself (not the read models): exports of $all and of one
// stream, streamed with backpressure, and entities as they were at a time or a revision.

export interface HistoryRoutesOptions {
  eventStore: EventStore;
  logger: Logger;
  /** Events per store read (default 500, see event-pages.ts). */
  pageSize?: number;
}

/** The position of the newest event an export covers: resume with `after=` it for what came later. */
export const HEAD_POSITION_HEADER = 'X-Head-Position';

export function historyRoutes({ eventStore, logger, pageSize = DEFAULT_PAGE_SIZE }: HistoryRoutesOptions): Router {
  const router = Router();

  router.get('/history/events', async (req, res) => {
    const { format, ...range } = EventsQuery.parse(req.query);
    const head = await eventStore.headPosition();
    const { pages } = await startPages(pagesOfAll(eventStore, range, { upTo: head, pageSize }));
    res.setHeader(HEAD_POSITION_HEADER, head.toString());
    await stream(res, pages, format, logger);
  });

  router.get('/history/streams', async (req, res) => {
    const { prefix, after, limit } = StreamsQuery.parse(req.query);
    if (!eventStore.listStreams)
      throw new HttpProblem(501, 'not-implemented', 'Not Implemented', 'this event store cannot list its streams');
    const items = await eventStore.listStreams({ prefix, after, limit });
    res.json({ items: items.map(streamView) });
  });

  router.get('/history/streams/:streamId', async (req, res) => {
    const { streamId } = StreamParams.parse(req.params);
    const { format, from, limit } = StreamQuery.parse(req.query);
    const { empty, pages } = await startPages(pagesOfStream(eventStore, streamId, pageSize, { from, limit }));
    if (empty) {
      const after = from ? ` from revision ${from} on` : '';
      throw new HttpProblem(404, 'not-found', 'Not Found', `stream ${streamId} has no events${after}`);
    }
    await stream(res, pages, format, logger);
  });

  router.get('/history/orders/:orderId', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    const point = PointQuery.parse(req.query);
    res.json(found(await orderAt(eventStore, orderId, point), `order ${orderId}`, point));
  });

  router.get('/history/products/:sku', async (req, res) => {
    const { sku } = ProductParams.parse(req.params);
    const point = PointQuery.parse(req.query);
    res.json(found(await productAt(eventStore, sku, point), `product ${sku}`, point));
  });

  return router;
}

const streamView = ({ streamId, revision, position, recordedAt }: StreamSummary) => ({
  streamId,
  revision,
  position: position.toString(),
  recordedAt: recordedAt.toISOString(),
});

/** The entity, or the problem answer for why there is none. */
function found<View>(result: TimeTravel<View>, what: string, point: PointInHistory): EntityAt<View> {
  if (result.found) return result.entity;
  if (result.reason === 'beyond') {
    throw new HttpProblem(
      400,
      'validation-failed',
      'Bad Request',
      `${what} has revisions 0 to ${result.lastRevision}`,
      {
        errors: [{ path: 'revision', message: `at most ${result.lastRevision}` }],
      },
    );
  }
  const when = 'at' in point ? ` at ${point.at.toISOString()}` : '';
  throw new HttpProblem(
    404,
    'not-found',
    'Not Found',
    result.reason === 'unknown' ? `${what} does not exist` : `${what} did not exist yet${when}`,
  );
}

/**
 * Streams pages as the body. Errors before the first byte become problem answers (the caller reads the first page
 * before this); after it the status is sent already, so a failure cuts the body off, and the client sees an
 * incomplete chunked answer instead of a short one that looks whole.
 */
async function stream(
  res: Response,
  pages: AsyncGenerator<RecordedEvent[]>,
  format: HistoryFormat,
  logger: Logger,
): Promise<void> {
  res.status(200).setHeader('Content-Type', eventFormats[format].contentType);
  res.setHeader('Cache-Control', 'no-store');
  try {
    const { complete } = await writeEvents(res, pages, format);
    if (complete) res.end();
  } catch (error) {
    if (!res.headersSent) throw error;
    logger.error('history export failed after it started', { error: String((error as Error)?.stack ?? error) });
    res.destroy();
  }
}
