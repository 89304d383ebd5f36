import type { GlobalPosition, StreamRevision } from '@order-engine/shared';

/** Every command answer names where its stream stands, so a client can read its own write (X-Min-Position). */
export const commandAnswer = (
  result: { revision: StreamRevision; position: GlobalPosition },
  fields: Record<string, unknown> = {},
) => ({
  ...fields,
  revision: result.revision,
  // bigint is not JSON: positions travel as decimal strings.
  position: result.position.toString(),
});
