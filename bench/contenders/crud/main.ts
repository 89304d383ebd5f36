import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { crudService } from './crud-service.js';

// The CRUD contender in a process of its own, as the commands benchmark runs each stack: a fresh schema on
// DATABASE_URL, a free port, its URL as one JSON line on stdout (the same service answers commands and reads);
// SIGTERM drops the schema and exits.
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const service = crudService(databaseUrl, `crud_${randomUUID().replaceAll('-', '').slice(0, 10)}`);
  await service.migrate();
  const server = service.app.listen(0, '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void service.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ commandUrl: url, queryUrl: url })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
