import { randomUUID } from 'node:crypto';
import { jsonEvent, type EventData, type JSONType, type MetadataType, type Position } from '@eventstore/db-client';
import type { EventMetadata, NewEvent, RecordedEvent } from '../event-store.js';
import { toGlobalPosition } from './positions.js';

// Events are JSON events: ESDB's type is the port's type, its data the port's data. ESDB has no field for a schema
// version, so it travels in the ESDB metadata beside the port's metadata and is taken out again on read.

export const schemaVersionKey = 'schemaVersion';

/** What this adapter needs of an event ESDB read (a stream read's or an $all read's recorded event). */
export interface EsdbRecordedEvent {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata?: MetadataType;
  position?: Position;
}

export function toEventData(event: NewEvent): EventData {
  return jsonEvent({
    // ESDB returns ids in lowercase: writing them so makes the appended event equal to the one read back.
    id: (event.eventId ?? randomUUID()).toLowerCase(),
    type: event.type,
    // ESDB takes any JSON text as the data of a JSON event; the client's type is narrower than the port's `unknown`.
    data: (event.data ?? null) as JSONType,
    metadata: encodeMetadata(event.version, event.metadata),
  });
}

export function encodeMetadata(version: number, metadata: EventMetadata | undefined): Record<string, unknown> {
  return { ...metadata, [schemaVersionKey]: version };
}

/** Splits ESDB metadata into the schema version and the port's metadata; events written elsewhere get version 1. */
export function decodeMetadata(raw: MetadataType | undefined): { version: number; metadata: EventMetadata } {
  if (raw === undefined || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array)
    return { version: 1, metadata: {} };
  const { [schemaVersionKey]: version, ...metadata } = raw as Record<string, unknown>;
  return {
    version: typeof version === 'number' && Number.isInteger(version) ? version : 1,
    metadata: metadata as EventMetadata,
  };
}

export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  const { version, metadata } = decodeMetadata(event.metadata);
  return {
    eventId: event.id,
    type: event.type,
    version,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: toGlobalPosition(event.position, () => `event ${event.id} (${event.streamId}@${event.revision})`),
    recordedAt: event.created,
    data: event.data,
    metadata,
  };
}

/**
 * ESDB's own events: `$`-typed ones (what excludeSystemEvents() filters out: metadata, link events `$>`, stats,
 * projection checkpoints) and anything in a `$` stream. They are not the port's events and are never returned.
 */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type === '' || event.type.startsWith('$') || event.streamId.startsWith('$');
}
