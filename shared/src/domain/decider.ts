// A decider is three pure functions: time and ids come in through the context, never from a clock.
export interface DecideContext {
  now: Date;
  newId: () => string;
}

export interface Decider<State, Command, Event> {
  initialState: State;
  decide(command: Command, state: State, context: DecideContext): Event[];
  evolve(state: State, event: Event): State;
}

export function fold<State, Event>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  events: readonly Event[],
  from?: State,
): State {
  return events.reduce(decider.evolve, from ?? decider.initialState);
}
