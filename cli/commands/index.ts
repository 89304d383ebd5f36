import type { Command } from '../command.js';

// Every command: one line each. A command loads only when it runs, so `cli history` does not load the others.
export const commands: Record<string, () => Promise<{ command: Command }>> = {
  history: () => import('./history.js'),
  replay: () => import('./replay.js'),
  projections: () => import('./projections.js'),
  migrate: () => import('./migrate.js'),
};
