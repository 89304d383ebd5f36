import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import {
  commandClient,
  projectionClient,
  queryClient,
  type ProjectionPaths,
  type QueryClient,
  type QueryComponents,
} from '@order-engine/client';
import { createProjectionService } from '@order-engine/projection-service';
import { dumpReadModels } from '@order-engine/projection-service/testing';
import {
  NO_AUTH,
  ROLES,
  decodeEvent,
  loadEngineConfig,
  memoryCache,
  orderStream,
  pgSql,
  postgresEventStore,
  redisCacheKeyPrefix,
  silentLogger,
  type EventStore,
  type Role,
  type Sql,
} from '@order-engine/shared';
import {
  describeWithService,
  hasTool,
  freshName,
  kafkaNamespace,
  kafkaPrincipalEnv,
  kcatSecurityArgs,
} from '@order-engine/shared/testing';
import { eventually } from '../embedded/http-client.js';
import { walkPolicyTable } from '../embedded/policy-walk.js';
import {
  distributedEnv,
  dropDistributedSchemas,
  entryPoints,
  freePort,
  startService,
  type ServiceProcess,
} from './processes.js';

// The distributed stack as separate processes: command-service, relay, two projection workers and query-service,
// on PostgreSQL (event store and read models), Kafka and Redis. Each run gets its own schemas, topic, consumer
// groups and Redis server, so it shares nothing with other tests but the servers. Every call carries credentials: an
// API key per role, and customers' JWTs verified against a JWKS this test serves over HTTP, as an OIDC provider would.
const exec = promisify(execFile);
type OrderView = QueryComponents['schemas']['OrderView'];
type AuditQuery = NonNullable<ProjectionPaths['/audit']['get']['parameters']['query']>;

describeWithService('DATABASE_URL', 'distributed stack', (databaseUrl) => {
  describeWithService('KAFKA_BROKERS', 'on Kafka and Redis', (kafkaBrokers) => {
    const id = freshName('e2e');
    const secretOf = (role: Role) => `${id}-${role}-secret`;
    const issuer = 'https://idp.e2e.test';
    const audience = 'order-engine';
    let jwks: Server;
    let signingKey: CryptoKey;
    const env = {
      AUTH: 'keys',
      API_KEYS: ROLES.map((role) => `e2e-${role}:${role}:${secretOf(role)}`).join(','),
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      ...distributedEnv(id, databaseUrl, kafkaBrokers),
      // Topic and groups under the names the service principals' ACLs cover (scripts/kafka/kafka.sh): each service
      // connects as its own principal, so the relay alone may write the topic, the saga and the workers only read it.
      ...kafkaNamespace(id),
      // The SIGKILLed worker's partitions go to the other members after this, rather than Kafka's default 30 s.
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      CACHE: 'redis',
    };
    let redisPort: number;
    /** Where this stack's cache keys start in Redis, as the services read their config. */
    let cacheKeyPrefix: string;
    let sql: Sql;
    let store: EventStore;
    let command: ServiceProcess;
    let relay: ServiceProcess;
    let workers: ServiceProcess[];
    let query: ServiceProcess;
    const processes = () => [command, relay, ...workers, query].filter(Boolean);

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256');
      signingKey = pair.privateKey;
      const key = { ...(await exportJWK(pair.publicKey)), kid: 'e2e', alg: 'ES256', use: 'sig' };
      jwks = createServer((_req, res) =>
        res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [key] })),
      );
      const jwksPort = await freePort();
      await new Promise<void>((done) => jwks.listen(jwksPort, '127.0.0.1', done));
      Object.assign(env, { JWT_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json` });
      redisPort = await freePort();
      await exec('redis-server', [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        String(redisPort),
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      // Every port first: each service knows the others' (the console on the second worker finds and calls them).
      const commandPort = await freePort();
      const queryPort = await freePort();
      const workerPorts = [await freePort(), await freePort()];
      const withRedis = {
        ...env,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        COMMAND_PORT: String(commandPort),
        QUERY_PORT: String(queryPort),
        PROJECTION_PORT: String(workerPorts[1]),
      };
      cacheKeyPrefix = redisCacheKeyPrefix(loadEngineConfig(withRedis));
      sql = pgSql(databaseUrl);
      store = postgresEventStore(sql, { schema: env.EVENT_STORE_SCHEMA });

      command = await startService(
        'command',
        entryPoints.command,
        { ...withRedis, ...kafkaPrincipalEnv('saga'), COMMAND_PORT: String(commandPort) },
        commandPort,
      );
      relay = await startService('relay', entryPoints.relay, { ...withRedis, ...kafkaPrincipalEnv('relay') });
      workers = [];
      for (const port of workerPorts) {
        workers.push(
          await startService(
            `projection-${workers.length}`,
            entryPoints.projection,
            { ...withRedis, ...kafkaPrincipalEnv('projections'), PROJECTION_PORT: String(port) },
            port,
          ),
        );
      }
      query = await startService(
        'query',
        entryPoints.query,
        { ...withRedis, QUERY_PORT: String(queryPort) },
        queryPort,
      );
    });

    afterAll(async () => {
      await Promise.all(processes().map((p) => p.kill('SIGTERM')));
      jwks?.close();
      await exec('redis-cli', ['-p', String(redisPort), 'shutdown', 'nosave']).catch(() => undefined);
      await store?.close();
      if (sql) {
        await dropDistributedSchemas(sql, env);
        await sql.close();
      }
    });

    /** An order as the event store, its read-model row and the Redis entry have it (for a failure's report). */
    const whereIs = async (orderId: string) => {
      const events = (await store.readStream(orderStream(orderId))).map((e) => e.type);
      const [row] = await sql.query(
        `select status, revision from ${env.READ_MODEL_PREFIX}orders_v1.orders where order_id = $1`,
        [orderId],
      );
      const key = `${cacheKeyPrefix}${env.READ_MODEL_PREFIX}orders_v1:order:${orderId}`;
      const { stdout } = await exec('redis-cli', ['-p', String(redisPort), 'hget', key, 'version']).catch(
        (e: Error) => ({ stdout: e.message }),
      );
      return `stream ${events.join(' ')}; row ${JSON.stringify(row)}; cached version ${stdout.trim() || 'none'}`;
    };
    const bearer = (role: Role) => ({ authorization: `Bearer ${secretOf(role)}` });
    /** The stack's APIs through the typed client, sending this token (a role's key or a customer's JWT). */
    const clients = (token: string, projectionWorker = workers[1]!) => ({
      commands: commandClient(command.url!, { token }),
      queries: queryClient(query.url!, { token }),
      projections: projectionClient(projectionWorker.url!, { token }),
    });
    const as = (role: Role, projectionWorker?: ServiceProcess) => clients(secretOf(role), projectionWorker);
    const skus = Array.from({ length: 20 }, (_, i) => `sku-${String(i).padStart(2, '0')}`);

    // About 20 s alone. Its waits add up to 5 minutes, so a slow machine fails on the wait that stalls, with how far
    // the test got and the tail of every service's log, rather than on the test's own timeout.
    it('places 500 orders across 20 products while the relay and a worker are SIGKILLed, losing and doubling nothing', async () => {
      const started = Date.now();
      const stages: string[] = [];
      let lastCheck = '';
      const stage = (name: string) => stages.push(`${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      onTestFailed(() => {
        console.error(`stages: ${stages.join(', ')}; last check: ${lastCheck}`);
        for (const p of processes()) console.error(`--- ${p.name} output (tail) ---\n${p.output().slice(-4_000)}`);
      });
      // The catalog is the operator's; orders are placed and read by a client, as a shop's backend would.
      const operator = as('operator').commands;
      const client = as('client');
      for (const [i, sku] of skus.entries()) {
        const registered = await operator.POST('/products', {
          body: { sku, name: `Product ${i}`, category: i % 2 ? 'odd' : 'even', priceCents: 100 + i, currency: 'EUR' },
        });
        expect(registered.response.status).toBe(201);
        // Some products run short, so both confirmations and rejections happen.
        const restocked = await operator.POST('/products/{sku}/restock', {
          params: { path: { sku } },
          body: { quantity: i < 15 ? 100 : 10 },
        });
        expect(restocked.response.status).toBe(200);
      }

      stage('catalog ready');
      const orderIds: string[] = [];
      let killed = false;
      const placeOne = async (n: number) => {
        const lines = [{ sku: skus[n % 20]!, quantity: 1 + (n % 3) }];
        if (n % 4 === 0) lines.push({ sku: skus[(n + 7) % 20]!, quantity: 1 });
        const answer = await client.commands.POST('/orders', { body: { customerId: `customer-${n % 25}`, lines } });
        expect(answer.response.status, JSON.stringify(answer.error)).toBe(202);
        orderIds.push(answer.data!.orderId);
      };
      const concurrency = 20;
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < 500) {
            const n = next++;
            if (n === 200 && !killed) {
              killed = true;
              await Promise.all([relay.kill('SIGKILL'), workers[0]!.kill('SIGKILL')]);
              stage('relay and worker 0 killed');
              setTimeout(
                () =>
                  void Promise.all([relay.restart(), workers[0]!.restart()]).then(() =>
                    stage('relay and worker 0 restarted'),
                  ),
                1_500,
              );
            }
            await placeOne(n);
          }
        }),
      );
      expect(orderIds).toHaveLength(500);
      stage('500 orders placed');

      // Every order reaches a final state through the saga, and the query API shows it.
      let stuck: string[] = [];
      const isFinal = ({ data, response }: { data?: OrderView; response: Response }) =>
        response.status === 200 && (data?.status === 'confirmed' || data?.status === 'rejected');
      const finals = await eventually(
        async () => {
          const answers = await Promise.all(
            orderIds.map((id) => client.queries.GET('/orders/{id}', { params: { path: { id } } })),
          );
          const pending = answers.filter((a) => !isFinal(a));
          stuck = orderIds.filter((_, i) => !isFinal(answers[i]!));
          lastCheck = `${pending.length} orders not final at ${((Date.now() - started) / 1000).toFixed(1)} s, e.g. ${JSON.stringify(pending.slice(0, 2).map((a) => a.data ?? a.error))}`;
          return answers.every(isFinal) ? answers.map((a) => a.data!) : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      ).catch(async (error: unknown) => {
        // Which part holds an order back: its stream, its read-model row, or the cache entry the query API answers from.
        for (const orderId of stuck.slice(0, 3)) stages.push(`order ${orderId}: ${await whereIs(orderId)}`);
        throw error;
      });
      expect(finals.filter((o) => o.status === 'confirmed').length).toBeGreaterThan(0);
      expect(finals.filter((o) => o.status === 'rejected').length).toBeGreaterThan(0);

      stage('every order final');
      // Each order read back equals its own stream; each product's reservations equal its confirmed lines.
      for (const order of finals) {
        const events = (await store.readStream(orderStream(order.orderId))).map(decodeEvent);
        expect(order.revision).toBe(events.length - 1);
        expect(order.status).toBe(events.some((e) => e.type === 'OrderConfirmed') ? 'confirmed' : 'rejected');
      }
      const reservedBySku = new Map<string, number>();
      for (const order of finals.filter((o) => o.status === 'confirmed')) {
        for (const line of order.lines) reservedBySku.set(line.sku, (reservedBySku.get(line.sku) ?? 0) + line.quantity);
      }
      await eventually(
        async () => {
          const products = await Promise.all(
            skus.map((sku) => client.queries.GET('/products/{sku}', { params: { path: { sku } } })),
          );
          return products.every(
            ({ data: p }) => p !== undefined && p.reserved === (reservedBySku.get(p.sku) ?? 0) && p.available >= 0,
          )
            ? true
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );

      stage('reservations match');
      // The read models equal a fresh replay of the event store.
      const head = await store.headPosition();
      const replayPrefix = `${env.READ_MODEL_PREFIX}replay_`;
      const replay = createProjectionService({
        access: NO_AUTH,
        eventStore: store,
        readDb: sql,
        cache: memoryCache({ maxEntries: 10 }),
        prefix: replayPrefix,
        logger: silentLogger,
      });
      await replay.start();
      expect(await replay.waitFor(head, 60_000)).toBe(true);
      await replay.stop();
      stage('replayed');
      const live = await eventually(
        async () => {
          const statuses = await as('analyst').projections.GET('/projections');
          return statuses.data?.every((s) => s.lagEvents === 0)
            ? dumpReadModels(sql, env.READ_MODEL_PREFIX)
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const fresh = await dumpReadModels(sql, replayPrefix);
      for (const table of ['products', 'orders', 'sales_orders', 'sales_daily'])
        expect(live[table], table).toEqual(fresh[table]);
    }, 360_000);

    it('answers every query while Redis is stopped, and fills the cache again when it returns', async () => {
      const queries = as('client').queries;
      const product = (sku: string) => queries.GET('/products/{sku}', { params: { path: { sku } } });
      const reads = [
        ...skus.map((sku) => () => product(sku)),
        () => queries.GET('/products', { params: { query: { limit: '5' } } }),
        () => queries.GET('/customers/{id}/orders', { params: { path: { id: 'customer-1' } } }),
      ];
      let failures = 0;
      let answered = 0;
      const run = async (rounds: number) => {
        for (let i = 0; i < rounds; i++) {
          for (const read of reads) {
            const status = await read().then(
              ({ response }) => response.status,
              () => 0,
            );
            if (status !== 200) failures++;
            answered++;
          }
        }
      };
      const load = run(15);
      await new Promise((r) => setTimeout(r, 300));
      await exec('redis-cli', ['-p', String(redisPort), 'shutdown', 'nosave']);
      await load;
      await run(3); // with Redis gone for good
      expect(failures).toBe(0);
      expect(answered).toBe(18 * reads.length);

      await exec('redis-server', [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        String(redisPort),
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      const hit = await eventually(
        async () => {
          await product(skus[0]!);
          const answer = await product(skus[0]!);
          return answer.response.headers.get('x-cache') === 'hit' ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(hit).toBe(true);
      const redis = new Redis(redisPort, '127.0.0.1');
      try {
        expect((await redis.keys('*')).length).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    });

    const kcat = hasTool('kcat', 'Debian: apt-get install kcat, or npm run services:start -- --install');
    it.skipIf(!kcat)('keeps every stream in one partition in revision order, as kcat sees the topic', async () => {
      const { stdout: metadata } = await exec('kcat', [
        '-b',
        kafkaBrokers,
        ...kcatSecurityArgs(),
        '-L',
        '-t',
        env.KAFKA_TOPIC,
      ]);
      const partitions = Number(/with (\d+) partitions/.exec(metadata)?.[1]);
      expect(partitions).toBeGreaterThan(1);

      const { stdout } = await exec(
        'kcat',
        ['-b', kafkaBrokers, ...kcatSecurityArgs(), '-C', '-t', env.KAFKA_TOPIC, '-e', '-q', '-f', '%p\t%k\t%h\n'],
        { maxBuffer: 256 * 1024 * 1024 },
      );
      const seen = new Map<string, { partition: string; revisions: number[] }>();
      for (const line of stdout.split('\n').filter(Boolean)) {
        const [partition, key] = line.split('\t') as [string, string];
        if (!key) continue; // watermarks carry no key
        const entry = seen.get(key) ?? { partition, revisions: [] };
        expect(entry.partition, key).toBe(partition);
        seen.set(key, entry);
      }
      expect(seen.size).toBe(520); // 20 products + 500 orders
      // Revision order per stream, read from the values themselves.
      const { stdout: values } = await exec(
        'kcat',
        ['-b', kafkaBrokers, ...kcatSecurityArgs(), '-C', '-t', env.KAFKA_TOPIC, '-e', '-q', '-f', '%k\t%s\n'],
        { maxBuffer: 256 * 1024 * 1024 },
      );
      const last = new Map<string, number>();
      for (const line of values.split('\n').filter(Boolean)) {
        const [key, value] = line.split('\t') as [string, string];
        if (!key) continue;
        const revision = (JSON.parse(value) as { revision: number }).revision;
        const previous = last.get(key) ?? -1;
        // At least once: the relay resends from its checkpoint after a SIGKILL, so a revision may repeat; but a new
        // revision always comes right after the newest one before it, never with a gap and never out of order.
        if (revision > previous) {
          expect(revision, key).toBe(previous + 1);
          last.set(key, revision);
        }
      }
      expect(last.size).toBe(520);
    });

    it('serves Prometheus metrics on every service: Kafka consumer lag, projection lag, commands', async () => {
      const scrape = async (url: string | undefined) => {
        const answer = await fetch(`${url!}/metrics`, { headers: bearer('monitor') });
        expect(answer.status).toBe(200);
        return answer.text();
      };
      const commandMetrics = await scrape(command.url);
      expect(commandMetrics).toMatch(
        /^order_engine_commands_total\{type="PlaceOrder",outcome="accepted"[^}]*\} [1-9]/m,
      );
      expect(commandMetrics).toMatch(/^order_engine_kafka_consumer_lag_messages\{group="[^"]*saga",partition="\d+"/m);
      expect(commandMetrics).toMatch(/^order_engine_processor_lag_events\{kind="saga"/m);
      for (const worker of workers) {
        const text = await scrape(worker.url);
        expect(text).toMatch(/^order_engine_projection_lag_seconds\{projection="orders"/m);
        expect(text).toMatch(/^order_engine_kafka_consumer_lag_messages\{group="[^"]*projection\./m);
      }
      expect(await scrape(query.url)).toMatch(/^order_engine_cache_lookups_total\{kind="order",result="hit"/m);
      expect((await fetch(`${query.url}/metrics`, { headers: bearer('client') })).status).toBe(403);
    });

    it('serves the console from a projection service, which finds the other APIs, and they let its pages in', async () => {
      const consoleUrl = workers[1]!.url!;
      const page = await fetch(`${consoleUrl}/console/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${command.url} ${query.url}`);
      const config = await fetch(`${consoleUrl}/console/config.json`);
      expect(await config.json()).toEqual({ commandUrl: command.url, queryUrl: query.url });
      const read = await fetch(`${query.url}/history/streams?limit=1`, {
        headers: { ...bearer('analyst'), origin: consoleUrl },
      });
      expect(read.status).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe(consoleUrl);
      // Another port is not the console.
      const elsewhere = await fetch(`${command.url}/metrics`, {
        headers: { ...bearer('operator'), origin: workers[0]!.url! },
      });
      expect(elsewhere.status).toBe(403);
    });

    describe('the trust boundary', () => {
      const token = (sub: string, options: { exp?: number; aud?: string } = {}) =>
        new SignJWT({ roles: ['customer'] })
          .setProtectedHeader({ alg: 'ES256', kid: 'e2e' })
          .setSubject(sub)
          .setIssuer(issuer)
          .setAudience(options.aud ?? audience)
          .setIssuedAt()
          .setExpirationTime(options.exp ?? '5m')
          .sign(signingKey);

      walkPolicyTable(
        () => ({ commandUrl: command.url!, queryUrl: query.url!, projectionUrl: workers[1]!.url! }),
        secretOf,
      );

      it("lets a customer's token see and move its own orders only; another customer's are missing for it", async () => {
        const client = as('client');
        const place = (commands: typeof client.commands, customerId: string) =>
          commands.POST('/orders', { body: { customerId, lines: [{ sku: skus[0]!, quantity: 1 }] } });
        const carols = (await place(client.commands, 'carol')).data!.orderId;
        const daves = (await place(client.commands, 'dave')).data!.orderId;
        const carol = clients(await token('carol'));
        const header = { 'X-Min-Position': '1' };
        const read = (queries: QueryClient, id: string) =>
          queries.GET('/orders/{id}', { params: { path: { id }, header } });

        const own = await eventually(async () => {
          const answer = await read(carol.queries, carols);
          return answer.response.status === 200 ? answer : undefined;
        });
        expect(own.data).toMatchObject({ orderId: carols, customerId: 'carol' });
        await eventually(async () => ((await read(client.queries, daves)).response.status === 200 ? true : undefined));
        expect((await read(carol.queries, daves)).response.status).toBe(404);
        const summary = await carol.queries.GET('/customers/{id}/summary', {
          params: { path: { id: 'dave' }, header },
        });
        expect(summary.response.status).toBe(404);
        const cancel = (id: string) =>
          carol.commands.POST('/orders/{id}/cancel', { params: { path: { id } }, body: { reason: 'changed my mind' } });
        expect((await cancel(daves)).response.status).toBe(404);
        expect((await cancel(carols)).response.status).toBe(200);
        // Placing for someone else is refused; the client key may not rebuild; a token past its time is no token.
        expect((await place(carol.commands, 'dave')).response.status).toBe(403);
        const rebuild = await client.projections.POST('/projections/{name}/rebuild', {
          params: { path: { name: 'catalog' } },
          body: {},
        });
        expect(rebuild.response.status).toBe(403);
        const expired = await read(
          clients(await token('carol', { exp: Math.floor(Date.now() / 1000) - 60 })).queries,
          carols,
        );
        expect(expired.response.status).toBe(401);
        const otherAudience = await read(clients(await token('carol', { aud: 'someone-else' })).queries, carols);
        expect(otherAudience.response.status).toBe(401);
      });

      it('keeps one audit log for the three services: catalog writes, refusals anywhere', async () => {
        expect((await clients('guessed').queries.GET('/products')).response.status).toBe(401);
        const operator = as('operator', workers[0]).projections;
        const audit = (query: AuditQuery) => operator.GET('/audit', { params: { query } });
        const restocks = (await audit({ route: '/products/:sku/restock', outcome: 'done', limit: 1000 })).data!.items;
        expect(restocks).toHaveLength(skus.length);
        expect(restocks[0]).toMatchObject({ service: 'command-service', actor: 'e2e-operator', outcome: 'done' });
        const refused = await eventually(async () => {
          const page = (await audit({ outcome: 'refused', service: 'query-service', limit: 1000 })).data;
          return page?.items.find((entry) => entry.path === '/products' && entry.actor === 'unknown');
        });
        expect(refused).toMatchObject({ status: 401, role: null });
        expect((await audit({ role: 'client', outcome: 'refused', limit: 1000 })).data!.items).toEqual(
          expect.arrayContaining([expect.objectContaining({ path: '/projections/catalog/rebuild', status: 403 })]),
        );
      });
    });
  });
});
