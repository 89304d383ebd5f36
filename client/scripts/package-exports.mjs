// In the repository the package exports its TypeScript sources (the workspaces run them with tsx); a packed tarball
// exports the compiled dist/. `npm pack`/`npm publish` switch to dist before packing and back after.
import { readFile, writeFile } from 'node:fs/promises';
import { URL } from 'node:url';

const target = process.argv[2];
const exports = {
  src: { '.': './src/index.ts' },
  dist: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
}[target];
if (!exports) throw new Error('usage: package-exports.mjs src|dist');
const path = new URL('../package.json', import.meta.url);
const manifest = JSON.parse(await readFile(path, 'utf8'));
await writeFile(path, `${JSON.stringify({ ...manifest, exports }, null, 2)}\n`);
