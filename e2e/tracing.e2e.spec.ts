import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { pgSql, type Sql } from '@order-engine/shared';
import { describeWithService, freshName, kafkaNamespace, kafkaPrincipalEnv } from '@order-engine/shared/testing';
import { commandClient } from '@order-engine/client';
import { eventually } from '../embedded/http-client.js';
import { isComplete, orderSpanNames, orderTrace, type OrderTrace } from '../embedded/trace-check.js';
import { otlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import {
  distributedEnv,
  dropDistributedSchemas,
  entryPoints,
  freePort,
  startService,
  type ServiceProcess,
} from './processes.js';

// Tracing across processes: command-service (with the saga), the relay and a projection worker, on PostgreSQL and
// Kafka, each exporting its spans over OTLP/HTTP (JSON) to a receiver this test runs. One order placed over HTTP must
// give one trace that crosses the relay and Kafka to the saga and every projection.

describeWithService('DATABASE_URL', 'tracing, distributed', (databaseUrl) => {
  describeWithService('KAFKA_BROKERS', 'on Kafka', (kafkaBrokers) => {
    const id = freshName('trace');
    const env = { ...distributedEnv(id, databaseUrl, kafkaBrokers), ...kafkaNamespace(id) };
    let receiver: OtlpReceiver;
    let sql: Sql;
    let command: ServiceProcess;
    let relay: ServiceProcess;
    let worker: ServiceProcess;
    const processes = () => [command, relay, worker].filter(Boolean);

    beforeAll(async () => {
      receiver = await otlpReceiver();
      sql = pgSql(databaseUrl);
      const traced = {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans leave each process within a tenth of a second, not the default five.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      const commandPort = await freePort();
      command = await startService(
        'command',
        entryPoints.command,
        { ...traced, ...kafkaPrincipalEnv('saga'), COMMAND_PORT: String(commandPort) },
        commandPort,
      );
      relay = await startService('relay', entryPoints.relay, { ...traced, ...kafkaPrincipalEnv('relay') });
      const projectionPort = await freePort();
      worker = await startService(
        'projection',
        entryPoints.projection,
        { ...traced, ...kafkaPrincipalEnv('projections'), PROJECTION_PORT: String(projectionPort) },
        projectionPort,
      );
    });

    afterAll(async () => {
      await Promise.all(processes().map((p) => p.kill('SIGTERM')));
      await receiver?.close();
      if (sql) {
        await dropDistributedSchemas(sql, env);
        await sql.close();
      }
    });

    it('gives one order one trace: request, append, relay, Kafka, the saga and every projection', async () => {
      onTestFailed(() => {
        for (const p of processes()) console.error(`--- ${p.name} output (tail) ---\n${p.output().slice(-4_000)}`);
      });
      const commands = commandClient(command.url!);
      const product = { sku: 'kettle', name: 'Kettle', category: 'kitchen', priceCents: 3900, currency: 'EUR' };
      expect((await commands.POST('/products', { body: product })).response.status).toBe(201);
      const restock = { params: { path: { sku: 'kettle' } }, body: { quantity: 3 } };
      expect((await commands.POST('/products/{sku}/restock', restock)).response.status).toBe(200);
      const order = { customerId: 'grace', lines: [{ sku: 'kettle', quantity: 1 }] };
      const placed = await commands.POST('/orders', { body: order });
      expect(placed.response.status).toBe(202);
      const { orderId } = placed.data!;

      const topic = env.KAFKA_TOPIC;
      const expected = orderSpanNames(env.READ_MODEL_PREFIX, [`send ${topic}`, `receive ${topic}`]);
      const look = () => orderTrace(receiver.spans(), orderId, expected);
      const found: OrderTrace | undefined = await eventually(async () => (isComplete(look()) ? look() : undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
      }).catch(look);

      expect(found?.missing).toEqual([]);
      expect(found?.orphans.map((span) => span.name)).toEqual(['POST /orders']);
      expect(found?.strays).toEqual([]);
      // The trace crosses the processes: each did its part of it.
      const serviceOf = (name: string) =>
        new Set(
          found!.spans.filter((span) => span.name === name).map((span) => (span as { service?: string }).service),
        );
      expect(serviceOf('POST /orders')).toEqual(new Set(['command-service']));
      expect(serviceOf('fulfilment-saga OrderPlaced')).toEqual(new Set(['command-service']));
      expect(serviceOf(`send ${topic}`)).toEqual(new Set(['relay']));
      // Received by the saga's consumer group (command-service) and each projection's (projection-service).
      expect(serviceOf(`receive ${topic}`)).toEqual(new Set(['command-service', 'projection-service']));
      for (const name of expected.filter((n) => n.startsWith('write ')))
        expect(serviceOf(name)).toEqual(new Set(['projection-service']));
      // The saga and every projection continue from their Kafka receive, which continues the relay's send.
      const byId = new Map(found!.spans.map((span) => [span.spanId, span]));
      const parentName = (name: string) =>
        found!.spans.filter((span) => span.name === name).map((span) => byId.get(span.parentSpanId!)?.name);
      expect(new Set(parentName('fulfilment-saga OrderPlaced'))).toEqual(new Set([`receive ${topic}`]));
      expect(new Set(parentName(`receive ${topic}`))).toEqual(new Set([`send ${topic}`]));
      for (const name of expected.filter((n) => n.startsWith('write ')))
        expect(new Set(parentName(name))).toEqual(new Set([`receive ${topic}`]));
    });
  });
});
