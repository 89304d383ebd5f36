import { useSession } from '../session/session-context.js';

/** Beside a control an analyst cannot use. */
export function ReadOnlyNote() {
  const { readOnly } = useSession();
  return readOnly ? <span class="note">read-only (analyst)</span> : null;
}
