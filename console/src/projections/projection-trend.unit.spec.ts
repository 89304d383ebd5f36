import { describe, expect, it } from 'vitest';
import { eventsPerSecond, isStalled, recordPoll, TREND_WINDOW_MS, type Poll, type Trends } from './projection-trend.js';

const status = (name: string, checkpoint: number, head: number) => ({
  name,
  checkpoint: String(checkpoint),
  headPosition: String(head),
  lagEvents: head - checkpoint,
});

const polls = (...pairs: [checkpoint: number, head: number][]): Poll[] =>
  pairs.map(([checkpoint, head], index) => ({
    at: index * 2_000,
    checkpoint: BigInt(checkpoint),
    head: BigInt(head),
    lagEvents: head - checkpoint,
  }));

describe('recordPoll', () => {
  it('adds each projection’s poll and forgets polls older than five minutes', () => {
    let trends: Trends = new Map();
    trends = recordPoll(trends, [status('orders', 1, 5)], 0);
    trends = recordPoll(trends, [status('orders', 5, 5), status('catalog', 2, 5)], 1_000);
    expect(trends.get('orders')?.map((poll) => poll.checkpoint)).toEqual([1n, 5n]);
    expect(trends.get('catalog')).toHaveLength(1);

    trends = recordPoll(trends, [status('orders', 9, 9)], TREND_WINDOW_MS + 500);
    expect(trends.get('orders')?.map((poll) => poll.at)).toEqual([1_000, TREND_WINDOW_MS + 500]);
    expect(trends.has('catalog')).toBe(false);
  });

  it('keeps positions past 2^53 exact', () => {
    const trends = recordPoll(new Map(), [{ ...status('sales', 0, 0), checkpoint: '9007199254740993' }], 0);
    expect(trends.get('sales')?.[0]?.checkpoint).toBe(9007199254740993n);
  });
});

describe('eventsPerSecond', () => {
  it('is the checkpoint’s move over the time between the last two polls', () => {
    expect(eventsPerSecond(polls([10, 50], [20, 50], [50, 50]))).toBe(15);
  });

  it('is unknown from one poll, and 0 when the checkpoint went back (a rebuild switched versions)', () => {
    expect(eventsPerSecond(polls([10, 50]))).toBeUndefined();
    expect(eventsPerSecond(polls([40, 50], [10, 50]))).toBe(0);
  });
});

describe('isStalled', () => {
  it('is stalled when the checkpoint stood still for three polls while the head moved', () => {
    expect(isStalled(polls([10, 20], [10, 21], [10, 22], [10, 22]))).toBe(true);
  });

  it('is not stalled after only two still polls', () => {
    expect(isStalled(polls([10, 20], [10, 21], [10, 22]))).toBe(false);
  });

  it('is not stalled when the checkpoint moved, or when the head did not (nothing to apply)', () => {
    expect(isStalled(polls([10, 20], [10, 21], [11, 22], [11, 23]))).toBe(false);
    expect(isStalled(polls([10, 20], [10, 20], [10, 20], [10, 20]))).toBe(false);
  });
});
