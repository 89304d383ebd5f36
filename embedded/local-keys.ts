import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROLES, type Role } from '@order-engine/shared';

// `npm start` with nobody configured: one key per role, made on the first start and kept in the data directory
// (readable by its owner only), so that the engine is never open and the keys survive restarts.

export const LOCAL_KEYS_FILE = 'api-keys';

export interface LocalKeys {
  /** The API_KEYS form (`name:role:secret,...`) of the file. */
  apiKeys: string;
  secrets: Record<Role, string>;
  file: string;
  created: boolean;
}

// The customer key acts for alice, a customer of the demo data.
const keyName = (role: Role): string => (role === 'customer' ? 'alice' : `local-${role}`);

export async function localKeys(dataDir: string): Promise<LocalKeys> {
  const file = join(dataDir, LOCAL_KEYS_FILE);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const kept = existing?.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')) ?? [];
  // A role added since the file was made gets its key now (appended), so every role always has one.
  const missing = ROLES.filter((role) => !kept.some((line) => line.split(':')[1] === role));
  const made = missing.map((role) => `${keyName(role)}:${role}:${randomBytes(24).toString('base64url')}`);
  const lines = [...kept, ...made];
  if (existing === undefined) {
    await mkdir(dataDir, { recursive: true });
    const text = `# API keys of this engine (name:role:secret), made on its first start\n${lines.join('\n')}\n`;
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } else if (made.length > 0) await appendFile(file, `${existing.endsWith('\n') ? '' : '\n'}${made.join('\n')}\n`);
  await chmod(file, 0o600);
  const secrets = Object.fromEntries(
    lines.map((line) => {
      const [, role = '', ...secret] = line.split(':');
      return [role, secret.join(':')];
    }),
  ) as Record<Role, string>;
  return { apiKeys: lines.join(','), secrets, file, created: existing === undefined };
}
