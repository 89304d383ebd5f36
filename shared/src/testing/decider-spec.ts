import { expect } from 'vitest';
import type { DecideContext, Decider } from '../domain/decider.js';

// given(events).when(command).then(events): decider rules read as specifications.
export const fixedContext: DecideContext = {
  now: new Date('2026-01-15T10:00:00.000Z'),
  newId: () => 'fixed-id',
};

export function deciderSpec<S, C, E>(decider: Decider<S, C, E>, context: DecideContext = fixedContext) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce(decider.evolve, decider.initialState);
      return {
        when(command: C) {
          const run = () => decider.decide(command, state, context);
          return {
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(errorClass: abstract new (...args: never[]) => Error, fields?: Record<string, unknown>) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              if (fields) expect(thrown).toMatchObject(fields);
            },
          };
        },
        thenState(expected: S) {
          expect(state).toEqual(expected);
        },
      };
    },
  };
}
