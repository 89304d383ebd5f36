import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { consoleDist } from '@order-engine/projection-service';

// `npm start` serves the console from console/dist: built here when missing or older than its sources, so a fresh
// clone (or a pull that changed the console) needs no separate build step.

const newestIn = (path: string): number =>
  statSync(path).isDirectory()
    ? Math.max(0, ...readdirSync(path).map((entry) => newestIn(join(path, entry))))
    : statSync(path).mtimeMs;

/** True when console/dist is missing or older than a source file of the console or of the client it uses. */
export function consoleIsStale(dist = consoleDist()): boolean {
  const page = join(dist, 'index.html');
  if (!existsSync(page)) return true;
  const root = dirname(dist);
  const sources = [
    join(root, 'src'),
    join(root, 'index.html'),
    join(root, 'vite.config.ts'),
    join(root, '../client/src'),
  ];
  return Math.max(...sources.filter((path) => existsSync(path)).map(newestIn)) > statSync(page).mtimeMs;
}

/** Builds the console with Vite (a devDependency: absent where only production dependencies are installed). */
export async function buildConsole(dist = consoleDist()): Promise<void> {
  const { build } = await import('vite');
  await build({ root: dirname(dist), logLevel: 'warn' });
}
