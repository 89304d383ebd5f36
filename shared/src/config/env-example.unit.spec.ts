import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineConfig, loadEngineConfig } from './config.js';
import { TracingConfig } from './tracing-config.js';

// .env.example lists every setting with its default: a setting added to the config must be added there too.
const example = new Map(
  readFileSync(resolve(import.meta.dirname, '../../../.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_0-9]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);

describe('.env.example', () => {
  it('names every setting of the engine and of tracing, and nothing else', () => {
    const settings = [...Object.keys(EngineConfig.shape), ...Object.keys(TracingConfig.in.shape)];
    expect([...example.keys()].sort()).toEqual(settings.sort());
  });

  it("gives each setting its default (empty where there is none), which parses to the config's defaults", () => {
    const defaults = loadEngineConfig({}) as Record<string, unknown>;
    for (const key of Object.keys(EngineConfig.shape)) {
      const value = defaults[key];
      const shown = value === undefined ? '' : Array.isArray(value) ? value.join(',') : String(value);
      expect({ key, value: example.get(key) }).toEqual({ key, value: shown });
    }
    expect(loadEngineConfig(Object.fromEntries(example))).toEqual(defaults);
  });
});
