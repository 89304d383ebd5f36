import type { ProjectionComponents } from '@order-engine/client';

// Who may use the console: operators fully, analysts read-only; every other role is turned away at sign-in.

export type Identity = ProjectionComponents['schemas']['Identity'];

export type ConsoleAccess = { allowed: true; readOnly: boolean } | { allowed: false; reason: string };

export function consoleAccess(identity: Identity): ConsoleAccess {
  if (identity.role === 'operator') return { allowed: true, readOnly: false };
  if (identity.role === 'analyst') return { allowed: true, readOnly: true };
  return {
    allowed: false,
    reason: `This is a ${identity.role} key: the console needs an operator or analyst identity.`,
  };
}
