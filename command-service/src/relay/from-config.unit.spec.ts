import { describe, expect, it } from 'vitest';
import { relayHealth, relayLeaseReady } from './from-config.js';
import type { Relay, RelayStatus } from './relay.js';

const processorStatus = (events: number) => ({
  name: 'relay-events',
  running: true,
  position: BigInt(events),
  counters: { rounds: 1, events, roundSeconds: 0.01, failures: 0, deadLettered: 0 },
});

describe('relayHealth', () => {
  it('gives the relay status as JSON, positions as decimal strings, with what holds $all back when something does', () => {
    const since = new Date('2026-11-30T12:00:00Z');
    const blocker = {
      kind: 'backend' as const,
      id: '4242',
      owner: 'postgres',
      application: 'psql',
      state: 'idle in transaction',
      since,
      query: 'update t set x = 1',
    };
    const health = relayHealth({
      ...processorStatus(41),
      state: 'active',
      checkpoint: 41n,
      eventsRelayed: 41,
      leasePid: 7,
      heldBack: { position: 42n, since, blocker },
    });
    expect(JSON.parse(JSON.stringify(health))).toEqual({
      name: 'relay-events',
      running: true,
      position: '41',
      counters: { rounds: 1, events: 41, roundSeconds: 0.01, failures: 0, deadLettered: 0 },
      state: 'active',
      checkpoint: '41',
      eventsRelayed: 41,
      leasePid: 7,
      heldBack: {
        position: '42',
        since: '2026-11-30T12:00:00.000Z',
        blocker: { ...blocker, since: '2026-11-30T12:00:00.000Z' },
      },
    });
    expect(
      JSON.parse(
        JSON.stringify(
          relayHealth({ ...processorStatus(0), state: 'standby', checkpoint: undefined, eventsRelayed: 0 }),
        ),
      ),
    ).toMatchObject({ state: 'standby', position: '0', eventsRelayed: 0 });
  });
});

describe('relayLeaseReady', () => {
  const relayIn = (status: Pick<RelayStatus, 'state' | 'lastError'>): Relay => ({
    start: () => {},
    stop: async () => {},
    status: () => ({ ...processorStatus(0), checkpoint: undefined, eventsRelayed: 0, ...status }),
  });

  it('passes while the relay holds the lease or stands by for it', () => {
    expect(() => relayLeaseReady(relayIn({ state: 'active' }))()).not.toThrow();
    expect(() => relayLeaseReady(relayIn({ state: 'standby' }))()).not.toThrow();
  });

  it('fails naming the state and the last error while the relay retries, was fenced or stopped', () => {
    expect(() =>
      relayLeaseReady(relayIn({ state: 'retrying', lastError: 'PostgreSQL unavailable: connect ECONNREFUSED' }))(),
    ).toThrow('relay retrying: PostgreSQL unavailable: connect ECONNREFUSED');
    expect(() => relayLeaseReady(relayIn({ state: 'fenced' }))()).toThrow('relay fenced');
    expect(() => relayLeaseReady(relayIn({ state: 'stopped' }))()).toThrow('relay stopped');
  });
});
