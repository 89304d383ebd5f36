import { z } from 'zod';
import type { RecordedEvent } from './event-store.js';

// One event as the APIs write it (docs/architecture.md, Streams, commands and events): as stored, not upcast.
// Positions are decimal strings, since JSON numbers lose precision beyond 2^53.

/** One event as the exports and the API write it; the type is inferred from the schema. */
export const EventEnvelope = z
  .object({
    eventId: z.string(),
    type: z.string().meta({ description: 'The event type, such as OrderPlaced.' }),
    version: z.int().min(1).meta({ description: 'The schema version `data` follows (as recorded, not upcast).' }),
    streamId: z.string(),
    revision: z.int().min(0).meta({ description: 'Its place in its stream, from 0.' }),
    position: z.string().regex(/^\d+$/).meta({ description: 'Its global position, in decimal.' }),
    recordedAt: z.iso.datetime(),
    data: z.unknown().meta({ description: "The event's data as recorded." }),
    metadata: z
      .looseObject({
        correlationId: z.string().optional(),
        causationId: z.string().optional(),
        idempotencyKey: z.string().optional(),
        actor: z
          .string()
          .optional()
          .meta({ description: "Who asked: an API key's name, a token's subject, a process." }),
        role: z.string().optional(),
        onBehalfOf: z.string().optional(),
        traceparent: z.string().optional().meta({ description: 'W3C trace context, when tracing was on.' }),
        tracestate: z.string().optional(),
      })
      .meta({ description: 'As recorded: older or newer writers may have put more in it.' }),
  })
  .meta({ id: 'EventEnvelope', description: 'One event as recorded in the event store.' });
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export const toEnvelope = (event: RecordedEvent): EventEnvelope => ({
  eventId: event.eventId,
  type: event.type,
  version: event.version,
  streamId: event.streamId,
  revision: event.revision,
  position: event.position.toString(),
  recordedAt: event.recordedAt.toISOString(),
  data: event.data,
  // An interface has no index signature for the open schema to see, though every EventMetadata fits it.
  metadata: event.metadata as EventEnvelope['metadata'],
});
