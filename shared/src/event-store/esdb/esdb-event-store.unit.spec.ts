import {
  ANY,
  DeadlineExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  AccessDeniedError,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { EventStoreUnavailable, WrongExpectedRevision } from '../errors.js';
import { isMissingStream, toEventStoreError } from './errors.js';
import {
  decodeMetadata,
  isSystemEvent,
  toEventData,
  toRecordedEvent,
  type EsdbRecordedEvent,
} from './event-mapping.js';
import { toEsdbExpectedRevision, toStreamRevision } from './expected-revision.js';
import { escapeRegex, exactTypesRegex, passes, serverFilter, streamPrefixRegex } from './filters.js';
import { toGlobalPosition, toReadPosition } from './positions.js';

describe('ESDB adapter: expected revision', () => {
  it('maps the port expectations to the client constants, and revisions to bigints', () => {
    expect(toEsdbExpectedRevision('any')).toBe(ANY);
    expect(toEsdbExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
  });

  it('treats -1 (no events yet) as no stream, like the other adapters, and refuses what is not a revision', () => {
    expect(toEsdbExpectedRevision(-1)).toBe(NO_STREAM);
    for (const bad of [-2, 1.5, Number.NaN, 2 ** 60]) expect(() => toEsdbExpectedRevision(bad)).toThrow(RangeError);
  });

  it("reads the server's current revision back: -1 for no stream, undefined when unknown", () => {
    expect(toStreamRevision(NO_STREAM)).toBe(-1);
    expect(toStreamRevision(7n)).toBe(7);
    expect(toStreamRevision(undefined)).toBeUndefined();
  });
});

describe('ESDB adapter: events and metadata', () => {
  const written = (overrides: Partial<EsdbRecordedEvent> = {}): EsdbRecordedEvent => ({
    id: '6f1c7e2a-59b4-4f0e-9d7a-0a6c1e1f7b21',
    type: 'OrderPlaced',
    streamId: 'order-1',
    revision: 3n,
    created: new Date('2025-01-02T03:04:05.678Z'),
    data: { orderId: 'o-1' },
    metadata: { schemaVersion: 2 },
    position: { commit: 4_242n, prepare: 4_242n },
    ...overrides,
  });

  it('writes a JSON event with the schema version beside the metadata, and reads both back', () => {
    const metadata = { correlationId: 'c-1', causationId: 'c-0', idempotencyKey: 'k-1', actor: 'ana' };
    const data = { orderId: 'o-1', lines: [{ sku: 'ß-1', quantity: 2 }], note: null };
    const event = toEventData({
      eventId: 'AA6F0C55-8C8B-4B8E-9E8E-3F4C2B1A0D9E',
      type: 'OrderPlaced',
      version: 3,
      data,
      metadata,
    });
    expect(event).toMatchObject({
      id: 'aa6f0c55-8c8b-4b8e-9e8e-3f4c2b1a0d9e',
      contentType: 'application/json',
      type: 'OrderPlaced',
      data,
    });
    expect(event.metadata).toEqual({ ...metadata, schemaVersion: 3 });

    const read = toRecordedEvent(written({ id: event.id, data, metadata: JSON.parse(JSON.stringify(event.metadata)) }));
    expect(read).toMatchObject({ eventId: event.id, type: 'OrderPlaced', version: 3, data, metadata });
  });

  it('gives a fresh lowercase uuid when the event has none, null data for undefined, and {} metadata for none', () => {
    const [a, b] = [
      toEventData({ type: 'X', version: 1, data: undefined }),
      toEventData({ type: 'X', version: 1, data: 5 }),
    ];
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.data).toBeNull();
    expect(b.data).toBe(5);
    expect(decodeMetadata(a.metadata as Record<string, unknown>)).toEqual({ version: 1, metadata: {} });
  });

  it('reads events written elsewhere (no or odd metadata) as version 1 with empty metadata', () => {
    expect(decodeMetadata(undefined)).toEqual({ version: 1, metadata: {} });
    expect(decodeMetadata(new Uint8Array([1, 2]))).toEqual({ version: 1, metadata: {} });
    expect(decodeMetadata(['a'])).toEqual({ version: 1, metadata: {} });
    expect(decodeMetadata({ schemaVersion: '2', actor: 'bo' })).toEqual({ version: 1, metadata: { actor: 'bo' } });
  });

  it('maps the recorded event: revision as a number, commit position as the position, created as recordedAt', () => {
    expect(toRecordedEvent(written())).toEqual({
      eventId: '6f1c7e2a-59b4-4f0e-9d7a-0a6c1e1f7b21',
      type: 'OrderPlaced',
      version: 2,
      streamId: 'order-1',
      revision: 3,
      position: 4_242n,
      recordedAt: new Date('2025-01-02T03:04:05.678Z'),
      data: { orderId: 'o-1' },
      metadata: {},
    });
  });

  it('counts $ types and $ streams as system events', () => {
    expect(isSystemEvent({ type: '$>', streamId: '$ce-order' })).toBe(true);
    expect(isSystemEvent({ type: '$metadata', streamId: '$$order-1' })).toBe(true);
    expect(isSystemEvent({ type: 'Imported', streamId: '$projections-x' })).toBe(true);
    expect(isSystemEvent({ type: 'OrderPlaced', streamId: 'order-1' })).toBe(false);
    expect(isSystemEvent({ type: 'Order$Placed', streamId: 'order-$1' })).toBe(false);
  });
});

describe('ESDB adapter: positions', () => {
  const what = () => 'event e-1';

  it('uses the commit position, which equals the prepare position of a non-transactional event', () => {
    expect(toGlobalPosition({ commit: 123_456n, prepare: 123_456n }, what)).toBe(123_456n);
  });

  it('refuses events without a position (servers before 22.6 on stream reads) and explicit-transaction events', () => {
    expect(() => toGlobalPosition(undefined, what)).toThrow(/22\.6/);
    expect(() => toGlobalPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }, what)).toThrow(/22\.6/);
    expect(() => toGlobalPosition({ commit: 0n, prepare: 0n }, what)).toThrow(/22\.6/);
    expect(() => toGlobalPosition({ commit: 900n, prepare: 700n }, what)).toThrow(/explicit transaction/);
  });

  it('starts from START for 0n, otherwise from the position as both commit and prepare', () => {
    expect(toReadPosition(0n)).toBe(START);
    expect(toReadPosition(4_242n)).toEqual({ commit: 4_242n, prepare: 4_242n });
  });
});

describe('ESDB adapter: filters', () => {
  it('escapes every regex metacharacter, so that the text matches only itself', () => {
    const text = 'a.b*c+d?e^f$g(h)i[j]k{l}m|n\\o#p';
    const regex = new RegExp(`^${escapeRegex(text)}$`);
    expect(regex.test(text)).toBe(true);
    expect(regex.test(text.replace('.', 'x'))).toBe(false);
  });

  it('matches exactly the listed types, and nothing for an empty list', () => {
    const regex = new RegExp(exactTypesRegex(['OrderPlaced', 'Stock.Added', 'A|B']));
    expect(exactTypesRegex(['OrderPlaced', 'OrderPaid'])).toBe('^(?:OrderPlaced|OrderPaid)$');
    for (const type of ['OrderPlaced', 'Stock.Added', 'A|B']) expect(regex.test(type)).toBe(true);
    for (const type of ['OrderPlacedV2', 'XOrderPlaced', 'StockxAdded', 'A', 'B', '$>'])
      expect(regex.test(type)).toBe(false);
    expect(new RegExp(exactTypesRegex([])).test('')).toBe(false);
    expect(new RegExp(exactTypesRegex([])).test('OrderPlaced')).toBe(false);
  });

  it('matches stream prefixes literally', () => {
    const regex = new RegExp(streamPrefixRegex('t_1-100%.('));
    expect(regex.test('t_1-100%.(-1')).toBe(true);
    expect(regex.test('t_1-100%x(-1')).toBe(false);
    expect(regex.test('x-t_1-100%.(')).toBe(false);
  });

  it('sends the type list to the server, else the stream prefix, else the system-event exclusion', () => {
    expect(serverFilter({ types: ['A'], streamPrefix: 'order-' })).toMatchObject({
      filterOn: 'eventType',
      regex: '^(?:A)$',
    });
    expect(serverFilter({ streamPrefix: 'order-' })).toMatchObject({ filterOn: 'streamName', regex: '^order-' });
    expect(serverFilter(undefined)).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(serverFilter({})).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
  });

  it('applies the whole filter client-side, and never passes system events', () => {
    const event = { type: 'OrderPaid', streamId: 'order-1' };
    expect(passes(event, undefined)).toBe(true);
    expect(passes(event, { types: ['OrderPaid'], streamPrefix: 'order-' })).toBe(true);
    expect(passes(event, { types: ['OrderPlaced'] })).toBe(false);
    expect(passes(event, { streamPrefix: 'product-' })).toBe(false);
    expect(passes(event, { types: [] })).toBe(false);
    expect(passes({ type: '$>', streamId: 'order-1' }, { types: ['$>'] })).toBe(false);
  });
});

describe('ESDB adapter: errors', () => {
  const append = { streamId: 'order-1', expected: 0 as const };

  it('turns WrongExpectedVersionError into WrongExpectedRevision with the actual revision', () => {
    const conflict = new WrongExpectedVersionError(undefined, { streamName: 'order-1', expected: 0n, current: 4n });
    const converted = toEventStoreError(conflict, append);
    expect(converted).toBeInstanceOf(WrongExpectedRevision);
    expect(converted).toMatchObject({ streamId: 'order-1', expected: 0, actual: 4 });

    const missing = new WrongExpectedVersionError(undefined, {
      streamName: 'order-1',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    expect(toEventStoreError(missing, { streamId: 'order-1', expected: 'stream_exists' })).toMatchObject({
      actual: -1,
    });
  });

  it('turns outages into EventStoreUnavailable, keeping the cause', () => {
    const raw = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    for (const error of [
      new UnavailableError(),
      new DeadlineExceededError(),
      raw,
      new Error('Failed to discover after 10 attempts.'),
    ]) {
      const converted = toEventStoreError(error);
      expect(converted).toBeInstanceOf(EventStoreUnavailable);
      expect((converted as EventStoreUnavailable).cause).toBe(error);
    }
  });

  it('passes everything else through unchanged', () => {
    for (const error of [
      new AccessDeniedError(),
      new StreamDeletedError(undefined, 'order-1'),
      new TypeError('bug'),
      'text',
      undefined,
    ]) {
      expect(toEventStoreError(error, append)).toBe(error);
    }
    const conflictOutsideAppend = new WrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: 0n,
      current: 1n,
    });
    expect(toEventStoreError(conflictOutsideAppend)).toBe(conflictOutsideAppend);
  });

  it('recognises a read of a missing or deleted stream', () => {
    expect(isMissingStream(new StreamNotFoundError(undefined, 'order-1'))).toBe(true);
    expect(isMissingStream(new StreamDeletedError(undefined, 'order-1'))).toBe(true);
    expect(isMissingStream(new UnavailableError())).toBe(false);
    expect(isMissingStream(undefined)).toBe(false);
  });
});
