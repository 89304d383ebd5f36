import { FORWARDS } from '@eventstore/db-client';
import type { ReadStreamOptions, RecordedEvent } from '../event-store.js';
import { collect, type EsdbClient } from './client.js';
import { isMissingStream } from './errors.js';
import { toRecordedEvent } from './event-mapping.js';

/** Without a limit, a stream is read in one call: ESDB streams of one aggregate stay short. */
const unlimited = Number.MAX_SAFE_INTEGER;

export async function readStream(
  client: EsdbClient,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const fromRevision = options.fromRevision ?? 0;
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 0)
    throw new RangeError(`fromRevision ${fromRevision} is not a stream revision`);
  if (options.limit !== undefined && options.limit <= 0) return [];
  try {
    const read = client.readStream(streamId, {
      fromRevision: BigInt(fromRevision),
      maxCount: options.limit ?? unlimited,
      direction: FORWARDS,
    });
    const resolved = await collect(read);
    // Without resolveLinkTos every entry carries its event; a stream of links yields the links themselves.
    return resolved.flatMap((entry) => (entry.event ? [toRecordedEvent(entry.event)] : []));
  } catch (error) {
    if (isMissingStream(error)) return [];
    throw error;
  }
}
