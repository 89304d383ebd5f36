import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accessFromConfig,
  createLogger,
  exitOnStartupError,
  loadEngineConfig,
  stopOnSignals,
} from '@order-engine/shared';
import { startEngine } from '../../../embedded/engine.js';

// The embedded engine as `npm start` runs it (PGlite in a data directory, in-process fan-out, memory cache), in a
// process of its own for the commands benchmark: free ports, a fresh temporary data directory, no demo data. Prints
// its URLs as one JSON line on stdout; SIGTERM stops it and removes the directory.
async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'order-engine-bench-'));
  const config = loadEngineConfig({
    LOG_LEVEL: 'warn',
    ...process.env,
    DATA_DIR: dataDir,
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'false',
  });
  const logger = createLogger(config.LOG_LEVEL);
  // AUTH and API_KEYS come from the benchmark (commands/keys.ts).
  const engine = await startEngine(config, logger, { access: await accessFromConfig(config) });
  stopOnSignals(logger, async () => {
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  process.stdout.write(
    JSON.stringify({ commandUrl: engine.commandUrl, queryUrl: engine.queryUrl, projectionUrl: engine.projectionUrl }) +
      '\n',
  );
}

main().catch(exitOnStartupError);
