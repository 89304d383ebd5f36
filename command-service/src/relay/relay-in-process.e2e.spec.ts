import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgSql, postgresEventStore, type EventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { distributedEnv, entryPoints, freePort, startService, type ServiceProcess } from '../../../e2e/processes.js';
import { relaySchema } from './lease.js';
import { eventsOf, eventually, readTopics, type TopicReader } from './relay-testing.js';

// command-service with RELAY_IN_PROCESS=true relays its own appends to Kafka, as a process of its own would, and
// competes for the same lease: a relay process beside it stands by, and takes over when the command service dies.

describeWithService('DATABASE_URL', 'command-service relaying in process', (databaseUrl) => {
  describeWithService('KAFKA_BROKERS', 'on Kafka', (kafkaBrokers) => {
    const id = freshName('inrelay');
    const env = distributedEnv(id, databaseUrl, kafkaBrokers);
    const topic = env.KAFKA_TOPIC;
    let sql: Sql;
    let store: EventStore;
    let reader: TopicReader;
    const processes: ServiceProcess[] = [];

    beforeAll(async () => {
      sql = pgSql(databaseUrl);
      store = postgresEventStore(sql, { schema: env.EVENT_STORE_SCHEMA });
      reader = await readTopics(kafkaBrokers.split(','), [topic], 3);
    });

    afterAll(async () => {
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
      await reader?.close();
      await store?.close();
      if (sql) {
        for (const schema of [
          env.EVENT_STORE_SCHEMA,
          `${env.READ_MODEL_PREFIX}commands`,
          relaySchema(env.READ_MODEL_PREFIX),
        ])
          await sql.exec(`drop schema if exists ${schema} cascade`);
        await sql.close();
      }
    });

    const relayed = (streamId: string) => (received: ReturnType<TopicReader['received']>) =>
      expect(eventsOf(received).map((r) => r.message.event.streamId)).toContain(streamId);

    it('publishes what the command service appends, and a relay process standing by takes over when it is SIGKILLed', async () => {
      const port = await freePort();
      const command = await startService(
        'command',
        entryPoints.command,
        { ...env, RELAY_IN_PROCESS: 'true', COMMAND_PORT: String(port) },
        port,
      );
      processes.push(command);
      const placed = await fetch(`${command.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'sku-1', name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' }),
      });
      expect(placed.status).toBe(201);
      // No relay process runs yet: only the command service can have published it.
      await reader.until(topic, relayed('product-sku-1'));
      // The checkpoint is saved once Kafka has acknowledged, which a consumer may see first.
      await eventually(async () => {
        const health = (await (await fetch(`${command.url}/health`)).json()) as {
          relay?: { state: string; checkpoint?: string };
        };
        expect(health.relay).toMatchObject({ state: 'active', checkpoint: expect.stringMatching(/^[1-9]\d*$/) });
      });

      const standby = await startService('relay', entryPoints.relay, env);
      processes.push(standby);
      await command.kill('SIGKILL');
      // The killed process's lease connection ends with it; the standby takes the lease and goes on from the checkpoint.
      await store.append('product-sku-2', [
        {
          type: 'ProductRegistered',
          version: 1,
          data: { sku: 'sku-2', name: 'Mug', category: 'kitchen', priceCents: 900, currency: 'EUR' },
        },
      ]);
      const received = await reader.until(topic, relayed('product-sku-2'), 30_000);
      expect(new Set(eventsOf(received).map((r) => r.message.event.streamId))).toEqual(
        new Set(['product-sku-1', 'product-sku-2']),
      );
    });
  });
});
