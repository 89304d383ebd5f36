// The relay's part of command-service's GET /health (command-service/src/relay/from-config.ts, relayHealth): present
// only when the relay runs in that process. `heldBack` names the transaction that keeps committed events from `$all`.

export interface RelayHealth {
  state: string;
  checkpoint: string | undefined;
  heldBack: HeldBack | undefined;
}

export interface HeldBack {
  /** Since when committed events wait. */
  since: string;
  /** The transaction, in words: "backend 4242 (user app, psql, idle in transaction, since …): UPDATE …". */
  transaction: string;
}

type Fields = Record<string, unknown>;

const fieldsOf = (value: unknown): Fields | undefined =>
  typeof value === 'object' && value !== null ? (value as Fields) : undefined;

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function describeBlocker(blocker: Fields | undefined): string {
  if (!blocker) return 'an unknown transaction';
  const name =
    blocker.kind === 'prepared' ? `prepared transaction ${String(blocker.id)}` : `backend ${String(blocker.id)}`;
  const facts = [blocker.owner, blocker.application, blocker.state].map(stringOf).filter((fact) => fact !== undefined);
  const since = stringOf(blocker.since);
  if (since) facts.push(`since ${since}`);
  const query = stringOf(blocker.query);
  return `${name}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}${query ? `: ${query}` : ''}`;
}

/** The relay's state from a health answer; undefined when this command-service runs no relay. */
export function relayHealthOf(health: unknown): RelayHealth | undefined {
  const relay = fieldsOf(fieldsOf(health)?.relay);
  if (!relay) return undefined;
  const heldBack = fieldsOf(relay.heldBack);
  return {
    state: stringOf(relay.state) ?? 'unknown',
    checkpoint: stringOf(relay.checkpoint),
    heldBack: heldBack && {
      since: stringOf(heldBack.since) ?? 'an unknown time',
      transaction: describeBlocker(fieldsOf(heldBack.blocker)),
    },
  };
}
