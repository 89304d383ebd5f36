import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgSql } from '@order-engine/shared';
import { describeWithService, freshName, testKafka } from '@order-engine/shared/testing';
import { send, sendOnNewConnection, terminate } from './in-flight.js';
import { distributedEnv, entryPoints, freePort } from './processes.js';

// command-service on its own (PostgreSQL event store, the saga on Kafka, the relay in the process), stopped with
// SIGTERM while orders are in flight: it stops accepting, answers every order it holds, then leaves its consumer
// group and frees the relay lease, and exits 0 within SHUTDOWN_GRACE_MS.

const GRACE_MS = 8_000;
const root = resolve(import.meta.dirname, '..');

describeWithService('DATABASE_URL', 'command-service on its own, on SIGTERM', (databaseUrl) => {
  describeWithService('KAFKA_BROKERS', 'with Kafka', (kafkaBrokers) => {
    const id = freshName('stop');
    // command-service runs the saga (reads) and the relay (writes) here: it keeps the admin's Kafka credentials it
    // inherits (a service principal of scripts/kafka/kafka.sh may do one or the other).
    const env = distributedEnv(id, databaseUrl, kafkaBrokers);
    let service: ChildProcess;
    let url: string;
    let output = '';

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const settings = {
        ...env,
        RELAY_IN_PROCESS: 'true',
        COMMAND_PORT: String(port),
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        LOG_LEVEL: 'info',
      };
      service = spawn(process.execPath, ['--import', 'tsx', entryPoints.command], {
        cwd: root,
        env: { ...process.env, AUTH: 'none', ...settings },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      service.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      service.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      for (const deadline = Date.now() + 60_000; ;) {
        if ((await sendOnNewConnection(`${url}/health`)).outcome === 200) break;
        if (service.exitCode !== null || Date.now() > deadline)
          throw new Error(`command-service did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    afterAll(async () => {
      if (service?.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
      const sql = pgSql(databaseUrl);
      for (const schema of [
        env.EVENT_STORE_SCHEMA,
        `${env.READ_MODEL_PREFIX}commands`,
        `${env.READ_MODEL_PREFIX}relay`,
      ])
        await sql.exec(`drop schema if exists ${schema} cascade`);
      await sql.close();
      const admin = testKafka(kafkaBrokers).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [env.KAFKA_TOPIC] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('answers every order in flight, then stops its consumers and relay, and exits 0 within the grace', async () => {
      const post = (path: string, body: unknown) => send(`${url}${path}`, { method: 'POST', body });
      expect(
        (await post('/products', { sku: 'lamp', name: 'Lamp', category: 'stop', priceCents: 100, currency: 'EUR' }))
          .outcome,
      ).toBe(201);
      expect((await post('/products/lamp/restock', { quantity: 10_000 })).outcome).toBe(200);
      // Connections the service has accepted (see embedded/graceful-stop.e2e.spec.ts).
      await Promise.all(Array.from({ length: 150 }, () => send(`${url}/health`)));

      const orders = Array.from({ length: 150 }, (_, i) =>
        post('/orders', { customerId: `c-${i}`, lines: [{ sku: 'lamp', quantity: 1 }] }),
      );
      await Promise.race(orders);
      const exited = terminate(service);
      const answers = await Promise.all(orders);
      const { code, signal, ms, signalledAt } = await exited;

      expect(answers.filter((a) => a.outcome !== 202)).toEqual([]);
      expect(answers.filter((a) => a.at > signalledAt).length, 'orders still in flight at SIGTERM').toBeGreaterThan(0);
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(GRACE_MS);
      expect(output).not.toMatch(/stop failed|did not finish in time/);
    });
  });
});
