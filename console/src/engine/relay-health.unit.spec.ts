import { describe, expect, it } from 'vitest';
import { relayHealthOf } from './relay-health.js';

describe('relayHealthOf', () => {
  it('finds no relay in the embedded engine’s health answer', () => {
    expect(relayHealthOf({ status: 'ok', service: 'command-service', admission: { limit: 256 } })).toBeUndefined();
    expect(relayHealthOf(undefined)).toBeUndefined();
  });

  it('reads the relay’s state and checkpoint', () => {
    const health = { status: 'ok', relay: { state: 'active', position: '120', checkpoint: '118', eventsRelayed: 7 } };
    expect(relayHealthOf(health)).toEqual({ state: 'active', checkpoint: '118', heldBack: undefined });
  });

  it('names the transaction holding $all back, and since when', () => {
    const health = {
      relay: {
        state: 'active',
        heldBack: {
          position: '120',
          since: '2026-03-01T12:00:15.000Z',
          blocker: {
            kind: 'backend',
            id: '4242',
            owner: 'app',
            application: 'psql',
            state: 'idle in transaction',
            since: '2026-03-01T12:00:00.000Z',
            query: 'UPDATE stock SET n = 1',
          },
        },
      },
    };
    expect(relayHealthOf(health)?.heldBack).toEqual({
      since: '2026-03-01T12:00:15.000Z',
      transaction:
        'backend 4242 (app, psql, idle in transaction, since 2026-03-01T12:00:00.000Z): UPDATE stock SET n = 1',
    });
  });

  it('names a prepared transaction, and one it knows nothing of', () => {
    const prepared = { relay: { heldBack: { since: 't', blocker: { kind: 'prepared', id: 'gid-1', owner: null } } } };
    expect(relayHealthOf(prepared)?.heldBack?.transaction).toBe('prepared transaction gid-1');
    expect(relayHealthOf({ relay: { heldBack: { since: 't' } } })?.heldBack?.transaction).toBe(
      'an unknown transaction',
    );
  });
});
