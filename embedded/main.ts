import { createLogger, exitOnStartupError, loadEngineConfig, stopOnSignals } from '@order-engine/shared';
import { startEngine } from './engine.js';

// `npm start`: the whole engine in one process. The composition root is the only code that reads process.env.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const engine = await startEngine(config, logger);
  stopOnSignals(logger, () => engine.stop(config.SHUTDOWN_GRACE_MS), { graceMs: config.SHUTDOWN_GRACE_MS });

  const storage = config.EVENT_STORE === 'pglite' ? `PGlite in ${config.DATA_DIR}` : 'PostgreSQL';
  process.stdout.write(
    [
      '',
      `Order engine running (${storage}, cache: ${config.CACHE})`,
      `  command API     ${engine.commandUrl}      e.g. curl -s -XPOST ${engine.commandUrl}/orders -H 'content-type: application/json' -d '{"customerId":"alice","lines":[{"sku":"kettle","quantity":1}]}'`,
      `  query API       ${engine.queryUrl}      e.g. curl -s ${engine.queryUrl}/products`,
      `  projection API  ${engine.projectionUrl}      e.g. curl -s ${engine.projectionUrl}/projections`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch(exitOnStartupError);
