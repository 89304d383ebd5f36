import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from '../shared/api.js';
import type { ConsoleConfig } from '../shared/config.js';
import type { Identity } from './access.js';

export interface Session {
  identity: Identity;
  /** Analysts see everything and change nothing. */
  readOnly: boolean;
  config: ConsoleConfig;
  api: Api;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
