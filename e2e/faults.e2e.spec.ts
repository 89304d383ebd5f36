import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { commandClient, projectionClient } from '@order-engine/client';
import { createProjectionService } from '@order-engine/projection-service';
import { dumpReadModels, tablesOf } from '@order-engine/projection-service/testing';
import {
  NO_AUTH,
  loadEngineConfig,
  memoryCache,
  pgSql,
  postgresEventStore,
  redisCacheKeyPrefix,
  silentLogger,
  type EventStore,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName, startTcpProxy, type TcpProxy } from '@order-engine/shared/testing';
import { cacheDifferences, effectsOf, undecidedOrders } from './fault-checks.js';
import { faultTable, type FaultRow } from './fault-table.js';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';
import {
  distributedEnv,
  dropDistributedSchemas,
  entryPoints,
  freePort,
  startService,
  type ServiceProcess,
} from './processes.js';
import { steadyLoad, type PhaseCounters, type SentCommand, type SteadyLoad } from './steady-load.js';

// The distributed stack as OS processes under steady load, through one fault after another. PostgreSQL and Redis
// are the machine's, reached through proxies of the suite's own, so their faults touch only this stack; Kafka is a
// broker of the suite's own. Every wait is bounded: a fault the stack does not recover from fails its row, the stack
// is restarted, and the suite goes on to the next fault.

type ServiceName = 'command' | 'projection' | 'query';
interface Fault {
  name: string;
  /** Injects the fault and ends it; answers when it ended, the moment recovery is timed from. */
  run(problems: string[]): Promise<number>;
}

const RECOVERY_BOUND_MS = 45_000;
// Longer than command-service's idempotency lease (60 s), after which a key a dead request left running is free again.
const GIVE_UP_AFTER_MS = 75_000;
const REQUEST_TIMEOUT_MS = 5_000;
const SIGTERM_BOUND_MS = 20_000;

const target = (url: string, defaultPort: number) => ({
  host: new URL(url).hostname,
  port: Number(new URL(url).port || defaultPort),
});
const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Polls check until it returns a value, or undefined once boundMs have passed. */
async function within<T>(
  boundMs: number,
  check: () => Promise<T | undefined> | T | undefined,
  intervalMs = 250,
): Promise<T | undefined> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

describeWithService('DATABASE_URL', 'fault suite', (databaseUrl) => {
  describeWithService('REDIS_URL', 'on Redis', (redisUrl) => {
    describeWithService('KAFKA_BROKERS', 'and a Kafka broker of its own', () => {
      const id = freshName('faults');
      let broker: KafkaBroker | undefined;
      let pgProxy: TcpProxy | undefined;
      let redisProxy: TcpProxy | undefined;
      let env: ReturnType<typeof distributedEnv> & Record<string, string>;
      let sql: Sql | undefined;
      let store: EventStore | undefined;
      let redis: Redis | undefined;
      const services = new Map<ServiceName, ServiceProcess>();
      const service = (name: ServiceName) => services.get(name)!;

      beforeAll(async () => {
        broker = await startKafkaBroker();
        pgProxy = await startTcpProxy(target(databaseUrl, 5432));
        redisProxy = await startTcpProxy(target(redisUrl, 6379));
        env = {
          ...distributedEnv(id, pgProxy.url(databaseUrl), broker.brokers),
          REDIS_URL: redisProxy.url(redisUrl),
          CACHE: 'redis',
          CACHE_KEY_PREFIX: `${id}:`,
          RELAY_IN_PROCESS: 'true',
          // Kafka's lowest: a killed member's partitions move on after 6 s rather than 30.
          KAFKA_SESSION_TIMEOUT_MS: '6000',
        };
        sql = pgSql(databaseUrl);
        store = postgresEventStore(sql, { schema: env.EVENT_STORE_SCHEMA });
        redis = new Redis(redisUrl, { lazyConnect: true });
        // command-service first: its relay creates the topic the others read.
        const ports = { command: 'COMMAND_PORT', projection: 'PROJECTION_PORT', query: 'QUERY_PORT' } as const;
        for (const name of ['command', 'projection', 'query'] as const) {
          const port = await freePort();
          services.set(
            name,
            await startService(`${name}-service`, entryPoints[name], { ...env, [ports[name]]: String(port) }, port),
          );
        }
      }, 240_000);

      afterAll(async () => {
        await Promise.all([...services.values()].map((s) => s.kill('SIGKILL')));
        await broker?.close();
        await pgProxy?.close();
        await redisProxy?.close();
        if (redis) {
          const keys = await redis.keys(`${id}:*`);
          if (keys.length > 0) await redis.unlink(...keys);
          redis.disconnect();
        }
        await store?.close();
        if (sql) {
          await dropDistributedSchemas(sql, env);
          await sql.close();
        }
      }, 60_000);

      /** SIGTERM waits (bounded) for a graceful exit; past the bound the process is SIGKILLed and the row fails. */
      async function stop(name: ServiceName, signal: 'SIGKILL' | 'SIGTERM', problems: string[]) {
        const exited = await Promise.race([
          service(name)
            .kill(signal)
            .then(() => true),
          sleep(SIGTERM_BOUND_MS).then(() => false),
        ]);
        if (!exited) {
          problems.push(`did not exit within ${SIGTERM_BOUND_MS / 1000} s of ${signal}`);
          await service(name).kill('SIGKILL');
        }
      }

      const proxyFault = (name: string, proxy: () => TcpProxy, mode: 'cut' | 'hold', forMs: number): Fault => ({
        name,
        async run() {
          if (mode === 'cut') {
            await proxy().cut(forMs);
          } else {
            proxy().hold();
            await sleep(forMs);
            proxy().resume();
          }
          return Date.now();
        },
      });
      const processFault = (signal: 'SIGKILL' | 'SIGTERM', name: ServiceName): Fault => ({
        name: `${signal} ${name}-service`,
        async run(problems) {
          await stop(name, signal, problems);
          const ended = Date.now();
          await service(name).restart();
          return ended;
        },
      });
      const faults: Fault[] = [
        proxyFault('PostgreSQL restart', () => pgProxy!, 'cut', 5_000),
        proxyFault('PostgreSQL hang', () => pgProxy!, 'hold', 10_000),
        proxyFault('Redis down', () => redisProxy!, 'cut', 5_000),
        {
          name: 'Kafka broker restart',
          async run() {
            await broker!.stop();
            await sleep(2_000);
            await broker!.start();
            return Date.now();
          },
        },
        ...(['command', 'projection', 'query'] as const).map((name) => processFault('SIGKILL', name)),
        ...(['command', 'projection', 'query'] as const).map((name) => processFault('SIGTERM', name)),
      ];

      /** After a row that did not recover: every fault ended and every service restarted, so the next row measures its own fault. */
      async function restartEverything(load: SteadyLoad, problems: string[]) {
        pgProxy!.resume();
        redisProxy!.resume();
        await broker!
          .start()
          .catch((error: unknown) => problems.push(`the Kafka broker did not start again: ${message(error)}`));
        for (const name of services.keys()) {
          await service(name).kill('SIGKILL');
          await service(name)
            .restart()
            .catch((error: unknown) => problems.push(`${name}-service did not start again: ${message(error)}`));
        }
        const since = Date.now();
        await within(RECOVERY_BOUND_MS, () => load.recoveredAt(since));
      }

      /** A row of the table, once every command of it has its final answer. */
      async function rowOf(
        fault: string,
        commands: readonly SentCommand[],
        counters: PhaseCounters,
        recoveredMs: number | undefined | null,
        problems: string[],
      ): Promise<FaultRow> {
        const effects = await effectsOf(sql!, env.EVENT_STORE_SCHEMA, commands);
        if (effects.lost.length > 0) problems.push(`lost ${effects.lost.slice(0, 3).join(', ')}`);
        if (effects.doubled.length > 0) problems.push(`doubled ${effects.doubled.slice(0, 3).join(', ')}`);
        if (counters.errors5xx > 0)
          problems.push(`${counters.errors5xx} answers 5xx, e.g. ${counters.examples.slice(0, 2).join(', ')}`);
        const refused = commands.filter((c) => c.outcome === 'refused');
        if (refused.length > 0)
          problems.push(
            `${refused.length} refused, e.g. ${refused
              .slice(0, 2)
              .map((c) => `${c.status} ${c.refusal}`)
              .join(', ')}`,
          );
        if (recoveredMs === undefined)
          problems.push(
            `no command acknowledged and read back within ${RECOVERY_BOUND_MS / 1000} s of the fault's end`,
          );
        const unanswered = commands.filter((c) => c.outcome === 'gave-up').length;
        const figures = {
          sent: commands.length,
          acknowledged: effects.acknowledged,
          unanswered,
          lost: effects.lost.length,
          doubled: effects.doubled.length,
        };
        return {
          fault,
          ...figures,
          errors5xx: counters.errors5xx,
          status503: counters.status503,
          recoveredMs,
          problems,
        };
      }

      it('loses and doubles nothing through every fault, recovers by itself, and ends equal to a fresh replay', async () => {
        const started = Date.now();
        const rows: FaultRow[] = [];
        const outcomes: { fault: string; recoveredMs: number | undefined; problems: string[] }[] = [];
        const finalChecks: string[] = [];
        let reported = false;
        const report = () => {
          reported = true;
          console.log(
            `fault suite (${((Date.now() - started) / 1000).toFixed(0)} s)\n${faultTable(rows, RECOVERY_BOUND_MS)}\n${finalChecks.join('\n')}`,
          );
        };
        onTestFailed(() => {
          if (!reported) report();
          for (const s of services.values())
            console.error(`--- ${s.name} output (tail) ---\n${s.output().slice(-3_000)}`);
        });

        const skus = Array.from({ length: 10 }, (_, i) => `sku-${i}`);
        // The stack checks no credentials (AUTH=none): the clients send none.
        const commands = commandClient(service('command').url!);
        for (const [i, sku] of skus.entries()) {
          const registered = await commands.POST('/products', {
            body: { sku, name: `Product ${i}`, category: 'fault', priceCents: 100 + i, currency: 'EUR' },
          });
          expect(registered.response.status).toBe(201);
          // Some products run short, so the saga both confirms and rejects.
          const restocked = await commands.POST('/products/{sku}/restock', {
            params: { path: { sku } },
            body: { quantity: i < 6 ? 5_000 : 20 },
          });
          expect(restocked.response.status).toBe(200);
        }

        const load = steadyLoad({
          commandUrl: service('command').url!,
          queryUrl: service('query').url!,
          skus,
          ordersPerSecond: 20,
          restocksPerSecond: 5,
          readsPerSecond: 10,
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
          giveUpAfterMs: GIVE_UP_AFTER_MS,
          maxInFlight: 300,
        });
        load.start();
        const warm = await within(30_000, () => load.recoveredAt(started));
        expect(warm, 'the stack answers commands and reads before any fault').toBeDefined();

        for (const fault of faults) {
          load.setPhase(fault.name);
          await sleep(2_000);
          const problems: string[] = [];
          let ended = Date.now();
          try {
            ended = await fault.run(problems);
          } catch (error) {
            problems.push(`the fault could not be run: ${message(error)}`);
          }
          const recoveredAt = await within(RECOVERY_BOUND_MS, () => load.recoveredAt(ended));
          if (recoveredAt === undefined) {
            const { acknowledged, readsOk } = load.progressSince(ended);
            problems.push(
              `after the fault, ${acknowledged} new commands acknowledged and ${readsOk} reads saw their writes; every service restarted`,
            );
            await restartEverything(load, problems);
          } else await sleep(1_000);
          load.setPhase(`after ${fault.name}`);
          outcomes.push({ fault: fault.name, recoveredMs: recoveredAt && recoveredAt - ended, problems });
        }

        // Rows are counted once every command has its final answer: a retried command may outlast its own row.
        load.setPhase('final');
        const unsettled = await load.stop(GIVE_UP_AFTER_MS + REQUEST_TIMEOUT_MS);
        for (const { fault, recoveredMs, problems } of outcomes) {
          rows.push(
            await rowOf(
              fault,
              load.commands.filter((c) => c.phase === fault),
              load.countersOf(fault),
              recoveredMs,
              problems,
            ),
          );
        }
        rows.push(
          await rowOf(
            'whole run',
            load.commands,
            load.totals(),
            null,
            unsettled > 0 ? [`${unsettled} requests still in flight`] : [],
          ),
        );

        const undecided = await within(
          90_000,
          async () => ((await undecidedOrders(sql!, env.EVENT_STORE_SCHEMA)).length === 0 ? [] : undefined),
          1_000,
        );
        finalChecks.push(
          `every placed order decided: ${undecided ? 'yes' : (await undecidedOrders(sql!, env.EVENT_STORE_SCHEMA)).length + ' not'}`,
        );
        const caughtUp = await within(
          90_000,
          async () => {
            const statuses = await projectionClient(service('projection').url!)
              .GET('/projections')
              .catch(() => undefined);
            return statuses?.response.status === 200 && statuses.data!.every((s) => s.lagEvents === 0)
              ? true
              : undefined;
          },
          1_000,
        );
        finalChecks.push(`projections caught up with the event store: ${caughtUp ? 'yes' : 'no'}`);

        const head = await store!.headPosition();
        const replayPrefix = `${env.READ_MODEL_PREFIX}replay_`;
        const replayCache = memoryCache({ maxEntries: 200_000 });
        const replay = createProjectionService({
          access: NO_AUTH,
          eventStore: store!,
          readDb: sql!,
          cache: replayCache,
          prefix: replayPrefix,
          logger: silentLogger,
        });
        await replay.start();
        const replayed = await replay.waitFor(head, 90_000);
        await replay.stop();
        const live = await dumpReadModels(sql!, env.READ_MODEL_PREFIX);
        const fresh = await dumpReadModels(sql!, replayPrefix);
        const differentTables = Object.keys(tablesOf(live)).filter(
          (t) => JSON.stringify(live[t]) !== JSON.stringify(fresh[t]),
        );
        finalChecks.push(
          `read models equal a fresh replay: ${differentTables.length === 0 ? 'yes' : `no (${differentTables.join(', ')})`}`,
        );
        await redis!.connect();
        const liveKeyPrefix = `${redisCacheKeyPrefix(loadEngineConfig(env))}${env.READ_MODEL_PREFIX}`;
        const cache = await cacheDifferences(redis!, liveKeyPrefix, replayCache, replayPrefix);
        // Failed cache writes are retried until Redis takes them, so every cached view has its entry in the end.
        const views = live.products!.length + live.orders!.length + live.customer_summaries!.length;
        finalChecks.push(
          `Redis entries equal to the replay's: ${cache.compared - cache.different.length} of ${cache.compared}, for ${views} products, orders and customer summaries`,
        );
        report();

        expect(rows.filter((r) => r.problems.length > 0).map((r) => `${r.fault}: ${r.problems.join('; ')}`)).toEqual(
          [],
        );
        expect(undecided).toEqual([]);
        expect(caughtUp).toBe(true);
        expect(replayed).toBe(true);
        for (const table of Object.keys(tablesOf(live))) expect(live[table], table).toEqual(fresh[table]);
        expect(live.dead_letters).toEqual([]);
        expect(cache.different).toEqual([]);
        expect(cache.compared).toBe(views);
      }, 600_000);
    });
  });
});
