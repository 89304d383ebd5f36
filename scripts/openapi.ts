// Writes each API's OpenAPI document (client/openapi/*.json) and the client's types generated from it
// (client/src/generated/*.ts): `npm run openapi` after changing a route. A unit test fails while they are out of date.
import { writeFile } from 'node:fs/promises';
import { generatedFiles } from '../client/scripts/generated-files.js';

for (const { path, contents } of await generatedFiles()) {
  await writeFile(path, contents);
  console.log(`wrote ${path}`);
}
