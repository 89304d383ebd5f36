import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { logLevel } from 'kafkajs';
import { kafkaClient } from '@order-engine/shared';
import { testKafkaSecurity, type KafkaPrincipal } from '@order-engine/shared/testing';
import { freePort } from './processes.js';

// A single-node KRaft broker of a test's own, on free ports with its own data folder, so that a test can stop and
// start it without touching the machine's shared broker. Same jars as scripts/kafka/kafka.sh.
// With KAFKA_SASL_MECHANISM set (the shared broker authenticates), it authenticates too, with the same mechanism and
// the users of the env (admin, relay, projections, saga; see shared/src/testing/kafka.ts), so that the services,
// which inherit the env, connect to it as to the shared one. It has no authorizer: every user may do anything.

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export interface KafkaBroker {
  brokers: string;
  /** Stops the JVM (SIGTERM: a controlled shutdown; SIGKILL after 30 s) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again (unless it runs) on the same ports and data, and waits until it answers metadata requests. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  close(): Promise<void>;
  output(): string;
}

const PRINCIPALS: readonly KafkaPrincipal[] = ['admin', 'relay', 'projections', 'saga'];

/** The users of the env with their passwords; none without SASL. */
const saslUsers = () =>
  process.env.KAFKA_SASL_MECHANISM
    ? PRINCIPALS.map((principal) => testKafkaSecurity(principal).sasl!).map(({ username, password, mechanism }) => ({
        username,
        password,
        mechanism: mechanism.toUpperCase(),
      }))
    : [];

/** A JAAS option value, quoted. */
const jaasValue = (value: string) => JSON.stringify(value);

/** server.properties lines of the client listener: PLAINTEXT, or SASL_PLAINTEXT with the env's mechanism and users. */
function listenerProperties(port: number, controllerPort: number): string {
  const users = saslUsers();
  const plain = `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
`;
  const admin = users[0];
  if (!admin) return plain;
  const mechanism = admin.mechanism;
  const module =
    mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  // PLAIN checks the JAAS user_<name> entries; SCRAM the credentials formatted into the metadata (scramArguments).
  const plainUsers =
    mechanism === 'PLAIN' ? users.map((user) => ` user_${user.username}=${jaasValue(user.password)}`).join('') : '';
  return `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=${mechanism}
sasl.mechanism.inter.broker.protocol=${mechanism}
listener.name.sasl_plaintext.${mechanism.toLowerCase()}.sasl.jaas.config=${module} required username=${jaasValue(admin.username)} password=${jaasValue(admin.password)}${plainUsers};
`;
}

/** StorageTool arguments that put the env's SCRAM users into the new cluster's metadata. */
const scramArguments = () =>
  saslUsers()
    .filter((user) => user.mechanism.startsWith('SCRAM-'))
    .flatMap((user) => ['-S', `${user.mechanism}=[name=${user.username},password=${user.password}]`]);

const properties = (port: number, controllerPort: number, data: string) => `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
${listenerProperties(port, controllerPort)}log.dirs=${data}
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
num.partitions=6
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
log.cleaner.enable=false
`;

const log4j = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

// Kafka's cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'.
const clusterId = () => `A${randomBytes(16).toString('base64url').slice(1, 22)}`;

async function answersMetadata(brokers: string): Promise<boolean> {
  const admin = kafkaClient(
    { brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries: 0 } },
    testKafkaSecurity(),
  ).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function startKafkaBroker(timeoutMs = 90_000): Promise<KafkaBroker> {
  const { stdout } = await exec('bash', [join(root, 'scripts/kafka/kafka.sh'), 'jars'], { timeout: 600_000 });
  const lib = stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), 'order-engine-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'server.properties');
  await writeFile(conf, properties(port, controllerPort, join(dir, 'data')));
  await writeFile(join(dir, 'log4j.properties'), log4j);
  const jvm = [
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    '-cp',
    `${lib}/*`,
  ];
  await exec(
    'java',
    [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', conf, ...scramArguments()],
    {
      timeout: 60_000,
    },
  );

  const brokers = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const launched = spawn('java', [...jvm, 'kafka.Kafka', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = launched;
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-10_000);
    };
    launched.stdout.on('data', keep);
    launched.stderr.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!(await answersMetadata(brokers))) {
      if (launched.exitCode !== null)
        throw new Error(`the test's Kafka broker exited with ${launched.exitCode}:\n${log}`);
      if (Date.now() > deadline)
        throw new Error(`the test's Kafka broker did not answer on ${brokers} within ${timeoutMs} ms:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    const killer = setTimeout(() => running.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  };
  await start();
  return {
    brokers,
    start,
    stop,
    output: () => log,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
