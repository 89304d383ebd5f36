import { useState } from 'preact/hooks';
import { call, makeApi, Refusal, ServiceDown } from '../shared/api.js';
import type { ConsoleConfig } from '../shared/config.js';
import { consoleAccess } from './access.js';
import type { StoredSession } from './session-store.js';

interface Props {
  config: ConsoleConfig;
  /** Why the user is here again (signed out by a 401, for instance). */
  notice: string | undefined;
  onSignedIn(session: StoredSession): void;
}

function whyNot(error: unknown): string {
  if (error instanceof Refusal && error.status === 401) return 'This key or token is not valid.';
  if (error instanceof Refusal || error instanceof ServiceDown) return error.message;
  return String(error);
}

export function SignIn({ config, notice, onSignedIn }: Props) {
  const [token, setToken] = useState('');
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function signIn(event: Event) {
    event.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    try {
      const { projection } = makeApi(config, token.trim());
      const identity = await call(projection, (client) => client.GET('/identity'));
      const access = consoleAccess(identity);
      if (access.allowed) onSignedIn({ token: token.trim(), identity });
      else setRefusal(access.reason);
    } catch (error) {
      setRefusal(whyNot(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>Order engine console</h1>
      <form onSubmit={(event) => void signIn(event)}>
        <label for="token">API key or token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        {(refusal ?? notice) && (
          <p class="banner banner-problem" role="alert">
            {refusal ?? notice}
          </p>
        )}
      </form>
      <p class="muted">
        Projection API <code>{config.projectionUrl}</code>
      </p>
    </main>
  );
}
