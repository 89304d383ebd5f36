import { describe, expect, it } from 'vitest';
import { eventTypesOf, filterLetters, NO_FILTER, retryOutcomeText, type ProjectionLetter } from './letters.js';

const letter = (id: string, projection: string, eventType: string, error: string): ProjectionLetter => ({
  id,
  projection,
  eventType,
  error,
  schema: `${projection}_v1`,
  eventId: `event-${id}`,
  position: id,
  failedAt: '2026-03-01T12:00:00.000Z',
});

const letters = [
  letter('1', 'catalog', 'StockAdded', 'value out of range for type integer'),
  letter('2', 'orders', 'OrderPlaced', 'Cannot read properties of undefined'),
  letter('3', 'catalog', 'PriceChanged', 'Value Out Of Range'),
];

describe('filterLetters', () => {
  it('keeps everything without a filter', () => {
    expect(filterLetters(letters, NO_FILTER)).toHaveLength(3);
  });

  it('filters by projection, event type and error text (any case), together', () => {
    const ids = (filter: Partial<typeof NO_FILTER>) =>
      filterLetters(letters, { ...NO_FILTER, ...filter }).map((kept) => kept.id);
    expect(ids({ projection: 'catalog' })).toEqual(['1', '3']);
    expect(ids({ eventType: 'OrderPlaced' })).toEqual(['2']);
    expect(ids({ error: ' out of RANGE ' })).toEqual(['1', '3']);
    expect(ids({ projection: 'catalog', eventType: 'PriceChanged', error: 'range' })).toEqual(['3']);
  });

  it('lists the event types present, once each, sorted', () => {
    expect(eventTypesOf([...letters, letters[0]!])).toEqual(['OrderPlaced', 'PriceChanged', 'StockAdded']);
  });
});

describe('retryOutcomeText', () => {
  it('says how many letters of which stream a retry resolved', () => {
    expect(retryOutcomeText({ applied: true, resolved: ['7'], streamId: 'product-x' })).toBe(
      'Applied: resolved 1 letter of stream product-x',
    );
    expect(retryOutcomeText({ applied: true, resolved: ['7', '8'], streamId: 'order-1' })).toBe(
      'Applied: resolved 2 letters of stream order-1',
    );
  });

  it('gives the new error of a letter still failing, and any other refusal as title: detail', () => {
    const stillFailing = { title: 'Unprocessable Content', status: 422, detail: 'value out of range' };
    expect(retryOutcomeText({ applied: false, status: 422, problem: stillFailing })).toBe(
      'Still failing: value out of range',
    );
    const gone = { title: 'Conflict', status: 409, detail: 'event e-1 is no longer at position 7' };
    expect(retryOutcomeText({ applied: false, status: 409, problem: gone })).toBe(
      'Conflict: event e-1 is no longer at position 7',
    );
  });
});
