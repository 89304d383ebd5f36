import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './processes.js';

// A single-node KRaft broker of a test's own, on free ports with its own data folder, so that a test can stop and
// start it without touching the machine's shared broker. Same jars as scripts/kafka/kafka.sh.

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

const properties = (port: number, controllerPort: number, data: string) => `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}
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
  const admin = new Kafka({
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
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
  await exec('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', conf], { timeout: 60_000 });

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
