import { describe, expect, it } from 'vitest';
import { parseNdjson } from './ndjson.js';

describe('parseNdjson', () => {
  it('parses each line and skips blank ones, the trailing newline included', () => {
    expect(parseNdjson('{"revision":0}\n\n{"revision":1}\n')).toEqual([{ revision: 0 }, { revision: 1 }]);
  });

  it('fails on a line that is not JSON', () => {
    expect(() => parseNdjson('{"revision":0}\n{oops')).toThrow();
  });
});
