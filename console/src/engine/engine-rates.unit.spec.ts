import { describe, expect, it } from 'vitest';
import { parsePrometheus } from './prometheus.js';
import { cacheHitRate, counterRate, processorLags, ratesByLabel, totalRate, type Scrape } from './engine-rates.js';

const scrapeAt = (at: number, text: string): Scrape => ({ at, samples: parsePrometheus(text) });

describe('counterRate', () => {
  it('is the growth per second', () => {
    expect(counterRate(10, 30, 5)).toBe(4);
  });

  it('counts from zero again after a restart (the counter went down)', () => {
    expect(counterRate(100, 20, 5)).toBe(4);
  });

  it('is 0 over no time', () => {
    expect(counterRate(1, 9, 0)).toBe(0);
  });
});

describe('rates between two scrapes', () => {
  const before = scrapeAt(
    0,
    `order_engine_commands_total{type="PlaceOrder",outcome="accepted"} 10
order_engine_commands_total{type="Restock",outcome="accepted"} 5
order_engine_events_appended_total{type="OrderPlaced"} 10`,
  );
  const after = scrapeAt(
    5_000,
    `order_engine_commands_total{type="PlaceOrder",outcome="accepted"} 30
order_engine_commands_total{type="Restock",outcome="accepted"} 10
order_engine_commands_total{type="PlaceOrder",outcome="refused"} 5
order_engine_events_appended_total{type="OrderPlaced"} 30
order_engine_events_appended_total{type="StockReserved"} 20`,
  );

  it('gives a counter per label value, a label value seen first counting from zero', () => {
    expect(ratesByLabel(before, after, 'order_engine_commands_total', 'outcome')).toEqual(
      new Map([
        ['accepted', 5],
        ['refused', 1],
      ]),
    );
  });

  it('sums all labels for a total rate', () => {
    expect(totalRate(before, after, 'order_engine_events_appended_total')).toBe(8);
  });

  it('knows no rate from a single scrape', () => {
    expect(ratesByLabel(undefined, after, 'order_engine_commands_total', 'outcome')).toBeUndefined();
    expect(totalRate(undefined, after, 'order_engine_events_appended_total')).toBeUndefined();
  });
});

describe('cacheHitRate', () => {
  const lookups = (hits: number, misses: number) =>
    `order_engine_cache_lookups_total{kind="product",result="hit"} ${hits}
order_engine_cache_lookups_total{kind="product",result="miss"} ${misses}
order_engine_cache_lookups_total{kind="order",result="hit"} 0`;

  it('gives the ratio since start and between the scrapes', () => {
    const rate = cacheHitRate(scrapeAt(0, lookups(10, 10)), scrapeAt(2_000, lookups(28, 12)));
    expect(rate.sinceStart).toBeCloseTo(0.7);
    expect(rate.recent).toBeCloseTo(0.9);
    expect(rate.lookupsPerSecond).toBe(10);
  });

  it('has no ratio before any lookup', () => {
    expect(cacheHitRate(undefined, scrapeAt(0, '# TYPE order_engine_cache_lookups_total counter'))).toEqual({
      sinceStart: undefined,
      recent: undefined,
      lookupsPerSecond: undefined,
    });
  });
});

describe('processorLags', () => {
  it('pairs the events and seconds gauges of each processor', () => {
    const samples = parsePrometheus(`order_engine_processor_lag_events{kind="saga",processor="fulfilment-saga"} 3
order_engine_processor_lag_seconds{kind="saga",processor="fulfilment-saga"} 0.5
order_engine_processor_lag_events{kind="relay",processor="relay-events"} 120
order_engine_processor_running{kind="saga",processor="fulfilment-saga"} 1`);
    expect(processorLags(samples)).toEqual([
      { kind: 'relay', processor: 'relay-events', events: 120, seconds: undefined },
      { kind: 'saga', processor: 'fulfilment-saga', events: 3, seconds: 0.5 },
    ]);
  });
});
