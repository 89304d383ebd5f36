import {
  accessFromConfig,
  createLogger,
  exitOnStartupError,
  hasIdentities,
  loadEngineConfig,
  loadTracingConfig,
  stopOnSignals,
  type Logger,
} from '@order-engine/shared';
import { startTracing } from '@order-engine/shared/tracing-sdk';
import { buildConsole, consoleIsStale } from './console-build.js';
import { localKeys, type LocalKeys } from './local-keys.js';
import { startEngine, type Engine } from './engine.js';

/** Exit status when the PGlite worker died: the process cannot serve anything, so a supervisor should restart it. */
const DATABASE_LOST_EXIT_CODE = 70;

// `npm start`: the whole engine in one process. The composition root is the only code that reads process.env.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  // Off unless OTEL_* names an exporter (docs/tracing.md); before anything makes a span.
  const tracing = startTracing(loadTracingConfig(process.env), 'order-engine');
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
  // Nobody configured and checking on: the engine makes its own keys rather than run open.
  const local = config.AUTH === 'keys' && !hasIdentities(config) ? await localKeys(config.DATA_DIR) : undefined;
  const access = await accessFromConfig(local ? { ...config, API_KEYS: local.apiKeys } : config);
  const seedKey = local?.secrets.operator ?? operatorSecret(config.API_KEYS);
  await ensureConsoleBuilt(logger);
  const engine = await startEngine(config, logger, { access, onDatabaseLost, ...(seedKey ? { seedKey } : {}) });
  started = engine;
  const stop = async () => {
    await engine.stop(config.SHUTDOWN_GRACE_MS);
    await tracing.shutdown();
  };
  stopOnSignals(logger, stop, { graceMs: config.SHUTDOWN_GRACE_MS });

  const storage = config.EVENT_STORE === 'pglite' ? `PGlite in ${config.DATA_DIR}` : 'PostgreSQL';
  process.stdout.write(
    [
      '',
      `Order engine running (${storage}, cache: ${config.CACHE})`,
      `  command API     ${engine.commandUrl}      e.g. curl -s -XPOST ${engine.commandUrl}/orders -H ` +
        `"authorization: Bearer $CLIENT_KEY" -H 'content-type: application/json' ` +
        `-d '{"customerId":"alice","lines":[{"sku":"kettle","quantity":1}]}'`,
      `  query API       ${engine.queryUrl}      e.g. curl -s ${engine.queryUrl}/products -H "authorization: Bearer $CLIENT_KEY"`,
      `  projection API  ${engine.projectionUrl}      e.g. curl -s ${engine.projectionUrl}/projections ` +
        `-H "authorization: Bearer $OPERATOR_KEY"`,
      `  console         ${engine.projectionUrl}/console/   sign in with the operator or analyst key`,
      `  API docs        ${engine.commandUrl}/docs  ${engine.queryUrl}/docs  ${engine.projectionUrl}/docs`,
      ...keyLines(local, config.AUTH),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

/** The console is served from its build: made now if missing or stale, unless Vite is not installed. */
async function ensureConsoleBuilt(logger: Logger): Promise<void> {
  if (!consoleIsStale()) return;
  logger.info('building the console (console/dist is missing or older than its sources)');
  await buildConsole().catch((error: unknown) =>
    logger.warn('the console could not be built: /console/ answers 503 until `npm run build -w console` succeeds', {
      error: error instanceof Error ? error.message : String(error),
    }),
  );
}

/** The secret of the first operator key in API_KEYS, for seeding the demo data. */
const operatorSecret = (apiKeys: string | undefined): string | undefined =>
  apiKeys
    ?.split(',')
    .map((entry) => entry.trim().split(':'))
    .find(([, role]) => role === 'operator')
    ?.slice(2)
    .join(':');

/** The keys made for this engine, as lines to paste into a shell. */
function keyLines(local: LocalKeys | undefined, auth: string): string[] {
  if (auth === 'none') return ['', 'AUTH=none: nobody is asked for credentials (loopback only).'];
  if (!local) return ['', 'API keys and tokens: as configured (API_KEYS, API_KEYS_FILE, JWT_*).'];
  const { secrets } = local;
  return [
    '',
    `API keys (${local.created ? 'made now' : 'made on the first start'}, kept in ${local.file}); paste to use them:`,
    `  export OPERATOR_KEY=${secrets.operator} CLIENT_KEY=${secrets.client}`,
    `  export ANALYST_KEY=${secrets.analyst} CUSTOMER_KEY=${secrets.customer}   # the customer key acts for alice`,
    `  export MONITOR_KEY=${secrets.monitor}   # reads GET /metrics only, for Prometheus`,
  ];
}

main().catch(exitOnStartupError);
