import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three kinds of test (docs: README, Tests): unit (pure), int (real databases or PGlite), e2e (running services over
// HTTP).
export default defineConfig({
  test: {
    // Unit and int files wait on databases and brokers more than they compute: two at once even on two cores (vitest's
    // default there is one). e2e files run one at a time (below): they start whole engines and measure them.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '**/src/**/*.unit.spec.ts',
            'examples/**/*.unit.spec.ts',
            'cli/**/*.unit.spec.ts',
            'embedded/**/*.unit.spec.ts',
            'bench/**/*.unit.spec.ts',
          ],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['**/src/**/*.int.spec.ts', 'cli/**/*.int.spec.ts', 'bench/**/*.int.spec.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.spec.ts'],
          // The contract check: every answer fetched in a test is checked against its service's /openapi.json.
          setupFiles: ['shared/src/testing/contract/vitest-setup.ts'],
          globalSetup: ['embedded/console-setup.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
