import { z } from 'zod';
import type { GlobalPosition, StreamRevision } from '@order-engine/shared';

/** Every command answer names where its stream stands, so a client can read its own write (X-Min-Position). */
export const CommandAnswer = z.object({
  revision: z.int().min(0).meta({ description: "The stream's revision after the command." }),
  // bigint is not JSON: positions travel as decimal strings.
  position: z
    .string()
    .regex(/^\d{1,19}$/)
    .meta({ description: "The global position of the command's last event: send it as X-Min-Position to read it." }),
});

export const commandAnswer = (
  result: { revision: StreamRevision; position: GlobalPosition },
  fields: Record<string, unknown> = {},
) => ({
  ...fields,
  revision: result.revision,
  position: result.position.toString(),
});
