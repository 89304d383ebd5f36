import { describe, expect, it } from 'vitest';
import { chunksOf } from './kafka-producer.js';

describe('chunking a send by size', () => {
  const message = (value: string) => ({ value });

  it('keeps the order and never exceeds the limit, except for one oversized message alone', () => {
    const messages = ['aaaa', 'bb', 'cccccc', 'dddddddddddd', 'e'].map(message);
    expect(chunksOf(messages, 6).map((chunk) => chunk.map((entry) => entry.value).join(''))).toEqual([
      'aaaabb',
      'cccccc',
      'dddddddddddd',
      'e',
    ]);
  });

  it('counts bytes, not characters', () => {
    expect(chunksOf(['é', 'é'].map(message), 3)).toHaveLength(2);
  });

  it('sends nothing for no messages', () => {
    expect(chunksOf([], 10)).toEqual([]);
  });
});
