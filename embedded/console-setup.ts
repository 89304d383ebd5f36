import { buildConsole, consoleIsStale } from './console-build.js';

// Before the e2e files: the console they open (and `npm start` builds when stale) is built once, here.
export default async function buildConsoleOnce(): Promise<void> {
  if (consoleIsStale()) await buildConsole();
}
