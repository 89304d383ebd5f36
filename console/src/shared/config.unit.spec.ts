import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

describe('parseConfig', () => {
  it('takes the three absolute URLs, without a trailing slash', () => {
    const json = {
      commandUrl: 'http://127.0.0.1:3000/',
      queryUrl: 'http://127.0.0.1:3001',
      projectionUrl: 'https://engine.example/projections',
    };
    expect(parseConfig(json, 'http://page')).toEqual({
      commandUrl: 'http://127.0.0.1:3000',
      queryUrl: 'http://127.0.0.1:3001',
      projectionUrl: 'https://engine.example/projections',
    });
  });

  it('falls back to the page’s origin for the projection API and leaves the others unset', () => {
    expect(parseConfig(undefined, 'http://127.0.0.1:3002')).toEqual({
      projectionUrl: 'http://127.0.0.1:3002',
      queryUrl: undefined,
      commandUrl: undefined,
    });
    expect(parseConfig({ queryUrl: '/relative', commandUrl: 42 }, 'http://page').queryUrl).toBeUndefined();
  });
});
