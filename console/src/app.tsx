import { useEffect, useMemo, useState } from 'preact/hooks';
import { consoleAccess } from './session/access.js';
import { SessionContext, type Session } from './session/session-context.js';
import { clearSession, readSession, saveSession, type StoredSession } from './session/session-store.js';
import { SignIn } from './session/sign-in.js';
import { makeApi } from './shared/api.js';
import { loadConfig, type ConsoleConfig } from './shared/config.js';
import { Layout } from './layout.js';

// The console's states: finding the APIs, signing in, signed in. A 401 from any API ends the session.

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | undefined>(undefined);
  const [stored, setStored] = useState<StoredSession | undefined>(readSession);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  useEffect(() => void loadConfig().then(setConfig), []);

  const signOut = (reason?: string) => {
    clearSession();
    setStored(undefined);
    setNotice(reason);
  };
  const signIn = (session: StoredSession) => {
    saveSession(session);
    setStored(session);
    setNotice(undefined);
  };

  const session = useMemo((): Session | undefined => {
    if (!config || !stored) return undefined;
    const access = consoleAccess(stored.identity);
    if (!access.allowed) return undefined;
    const expired = () => signOut('Your key or token is no longer accepted (401): sign in again.');
    return {
      identity: stored.identity,
      readOnly: access.readOnly,
      config,
      api: makeApi(config, stored.token, expired),
    };
  }, [config, stored]);

  if (!config) return <p class="loading">Loading…</p>;
  if (!session) return <SignIn config={config} notice={notice} onSignedIn={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout onSignOut={() => signOut()} />
    </SessionContext.Provider>
  );
}
