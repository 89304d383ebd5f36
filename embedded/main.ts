import { createLogger, exitOnStartupError, loadEngineConfig, stopOnSignals } from '@order-engine/shared';
import { startEngine, type Engine } from './engine.js';

/** Exit status when the PGlite worker died: the process cannot serve anything, so a supervisor should restart it. */
const DATABASE_LOST_EXIT_CODE = 70;

// `npm start`: the whole engine in one process. The composition root is the only code that reads process.env.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  let started: Engine | undefined = undefined;
  // A dead PGlite worker is not brought back in process (its transactions and locks died with it): stop, at most for
  // a few seconds so a stop that hangs cannot stall, and exit non-zero.
  const onDatabaseLost = () => {
    const stopping = started ? started.stop().catch(() => undefined) : Promise.resolve();
    void Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, 3_000))]).then(() =>
      process.exit(DATABASE_LOST_EXIT_CODE),
    );
  };
  const engine = await startEngine(config, logger, { onDatabaseLost });
  started = engine;
  stopOnSignals(logger, () => engine.stop(config.SHUTDOWN_GRACE_MS), { graceMs: config.SHUTDOWN_GRACE_MS });

  const storage = config.EVENT_STORE === 'pglite' ? `PGlite in ${config.DATA_DIR}` : 'PostgreSQL';
  process.stdout.write(
    [
      '',
      `Order engine running (${storage}, cache: ${config.CACHE})`,
      `  command API     ${engine.commandUrl}      e.g. curl -s -XPOST ${engine.commandUrl}/orders -H ` +
        `'content-type: application/json' -d '{"customerId":"alice","lines":[{"sku":"kettle","quantity":1}]}'`,
      `  query API       ${engine.queryUrl}      e.g. curl -s ${engine.queryUrl}/products`,
      `  projection API  ${engine.projectionUrl}      e.g. curl -s ${engine.projectionUrl}/projections`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch(exitOnStartupError);
