import { expect } from 'vitest';
import type { EventStore } from '@order-engine/shared';
import type { JsonAnswer } from './http.js';
import { visibleHead } from './scenario.js';
import type { RunningCommandService } from './test-command-service.js';

/** A problem answer (RFC 9457 style) with a 4xx status. */
export function expectProblem(answer: JsonAnswer, status: number, type?: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({
    status,
    type: type ?? expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
}

/** Runs `act` and checks the event store did not move past what the service had answered before. */
export async function expectNothingAppended(
  service: RunningCommandService,
  store: EventStore,
  act: () => Promise<unknown>,
): Promise<void> {
  const before = await visibleHead(service, store);
  await act();
  expect(await store.headPosition()).toBe(before);
}

/** A command answer: JSON, with the stream revision and the position of its last event as a decimal string. */
export function expectCommandAnswer(answer: JsonAnswer, status: number): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/json');
  expect(answer.body).toMatchObject({ revision: expect.any(Number), position: expect.stringMatching(/^[1-9]\d*$/) });
}
