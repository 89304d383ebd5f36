import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../scripts/generated-files.js';

// The committed documents and client types are what the services describe now: a route changed without
// `npm run openapi` fails here, before a client is published with the old shapes.
describe('the generated documents and client types', () => {
  // Generating and formatting three documents and their types takes a few seconds, more on a busy machine.
  it('are up to date with the services', { timeout: 60_000 }, async () => {
    for (const { path, contents } of await generatedFiles()) {
      expect(await readFile(path, 'utf8'), `${path} is out of date: run npm run openapi`).toBe(contents);
    }
  });
});
