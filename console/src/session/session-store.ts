import type { Identity } from './access.js';

// The token lives in sessionStorage: it survives a reload of the tab, not the closing of it. The identity is kept
// with it, so a reload needs no round trip (any 401 later still sends the user back to sign in).

export interface StoredSession {
  token: string;
  identity: Identity;
}

const KEY = 'order-engine-console.session';

export function readSession(): StoredSession | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<StoredSession> | null;
    if (typeof stored?.token === 'string' && typeof stored.identity?.role === 'string')
      return { token: stored.token, identity: stored.identity };
  } catch {
    // Unreadable: sign in again.
  }
  return undefined;
}

export const saveSession = (session: StoredSession): void => sessionStorage.setItem(KEY, JSON.stringify(session));

export const clearSession = (): void => sessionStorage.removeItem(KEY);
