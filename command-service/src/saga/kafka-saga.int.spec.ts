import { afterAll, afterEach, expect, it } from 'vitest';
import {
  availableOf,
  createLogger,
  kafkaFeed,
  pgSql,
  postgresEventStore,
  silentLogger,
  type Sql,
} from '@order-engine/shared';
import {
  createTestTopic,
  describeWithService,
  fastKafkaFeed,
  freshName,
  pumpToKafka,
  serviceUrl,
  sharedPglite,
} from '@order-engine/shared/testing';
import { FULFILMENT_SAGA } from '../app.js';
import { orderReaches, placeOrder, productOf, registerProduct, sagaSettled, visibleHead } from '../testing/scenario.js';
import { startCommandService } from '../testing/test-command-service.js';
import { sqlCheckpointStore } from './checkpoints.js';

// The fulfilment saga in distributed mode: its events come from Kafka (fed here by a stand-in for the relay), its
// commands go to the PostgreSQL event store, and it checkpoints per partition.

const PARTITIONS = 3;
const logger = process.env.LOG_LEVEL === 'debug' ? createLogger('debug') : silentLogger;

describeWithService('KAFKA_BROKERS', 'fulfilment saga on Kafka', (brokers) => {
  const databaseUrl = serviceUrl('DATABASE_URL');
  const pglite = sharedPglite();
  let postgres: Sql | undefined;
  const openSql = async () => (databaseUrl ? (postgres ??= pgSql(databaseUrl)) : pglite());
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await postgres?.close();
  });

  /** A fresh event store schema and Kafka topic, both removed after the test. */
  async function setUp() {
    const sql = await openSql();
    const prefix = `${freshName('cs')}_`;
    const store = postgresEventStore(sql, { schema: `${prefix}events`, pollIntervalMs: 20 });
    cleanups.push(async () => {
      await store.close();
      await sql.exec(
        `DROP SCHEMA IF EXISTS ${prefix}events CASCADE; DROP SCHEMA IF EXISTS ${prefix}commands CASCADE; DROP SCHEMA IF EXISTS ${prefix}audit CASCADE;`,
      );
    });
    const topic = await createTestTopic(brokers, PARTITIONS);
    cleanups.push(() => topic.close());
    return { sql, prefix, store, topic };
  }

  it('takes orders to confirmed or rejected, and checkpoints every partition', async () => {
    const { sql, prefix, store, topic } = await setUp();
    const pump = pumpToKafka(store, topic);
    cleanups.push(() => pump.stop());
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: topic.brokers,
      topic: topic.topic,
      groupId: freshName('saga'),
      logger,
      eventStore: store,
    });
    const service = await startCommandService({
      eventStore: store,
      sql,
      prefix,
      logger,
      feed,
      feedPartitions: PARTITIONS,
    });
    cleanups.push(() => service.stop());

    await registerProduct(service, 'A', 5);
    await registerProduct(service, 'B', 1);
    await placeOrder(
      service,
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
      'o-ok',
    );
    await placeOrder(
      service,
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 5 },
      ],
      'o-short',
    );
    await orderReaches(store, 'o-ok', 'confirmed');
    await orderReaches(store, 'o-short', 'rejected');
    await sagaSettled(service, store);

    // o-short's line of A, if it was reserved before B was refused, has been given back.
    const stock = async (sku: string) => {
      const product = await productOf(store, sku);
      return product.status === 'none' ? undefined : { onHand: product.onHand, available: availableOf(product) };
    };
    expect(await stock('A')).toEqual({ onHand: 5, available: 3 });
    expect(await stock('B')).toEqual({ onHand: 1, available: 0 });

    const head = await store.headPosition();
    const rows = await sqlCheckpointStore(sql, { prefix }).loadAll(FULFILMENT_SAGA);
    expect(rows).toEqual(new Map(Array.from({ length: PARTITIONS }, (_, p) => [`${FULFILMENT_SAGA}#p${p}`, head])));
    expect(service.service.saga.status().position).toBe(head);
  });

  it('confirms an order placed while its group lost its offsets: the saga gets it from the event store', async () => {
    const { sql, prefix, store, topic } = await setUp();
    const firstPump = pumpToKafka(store, topic);
    const groupId = freshName('saga');
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: topic.brokers,
      topic: topic.topic,
      groupId,
      logger,
      eventStore: store,
    });
    const service = await startCommandService({
      eventStore: store,
      sql,
      prefix,
      logger,
      feed,
      feedPartitions: PARTITIONS,
    });
    cleanups.push(() => service.stop());
    await registerProduct(service, 'A', 5);
    await placeOrder(service, [{ sku: 'A', quantity: 1 }], 'o-before');
    await orderReaches(store, 'o-before', 'confirmed');
    await sagaSettled(service, store);
    await service.service.saga.stop();
    await firstPump.stop();

    // While the saga is away an order is placed and reaches Kafka; then the group's offsets move past it.
    const settled = await visibleHead(service, store);
    await placeOrder(service, [{ sku: 'A', quantity: 2 }], 'o-away');
    await topic.relay(await store.readAll({ after: settled }));
    await topic.resetToLatest(groupId);
    const pump = pumpToKafka(store, topic, await visibleHead(service, store));
    cleanups.push(() => pump.stop());

    service.service.saga.start();
    // The next message past the reset offsets shows the gap.
    await placeOrder(service, [{ sku: 'A', quantity: 1 }], 'o-after');
    await orderReaches(store, 'o-after', 'confirmed');
    await orderReaches(store, 'o-away', 'confirmed');
    await sagaSettled(service, store);
    const product = await productOf(store, 'A');
    expect(product.status === 'none' ? undefined : { onHand: product.onHand, available: availableOf(product) }).toEqual(
      { onHand: 5, available: 1 },
    );
  });
});
