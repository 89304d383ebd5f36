import { diffStates } from './state-diff.js';

interface Version {
  revision: number;
  state: unknown;
}

interface Props {
  shown: Version;
  /** Undefined: the shown revision is the first, and everything in it is new. */
  compared: Version | undefined;
}

const text = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

/** Field by field, from the earlier of the two revisions to the later. */
export function StateChanges({ shown, compared }: Props) {
  const [earlier, later] = !compared || compared.revision <= shown.revision ? [compared, shown] : [shown, compared];
  const changes = diffStates(earlier?.state ?? {}, later.state);
  return (
    <div data-testid="state-changes">
      <h4>
        What changed from {earlier ? `revision ${earlier.revision}` : 'nothing'} to revision {later.revision}
      </h4>
      {changes.length === 0 ? (
        <p class="muted">Nothing.</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th>Field</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.path} class={`change-${change.kind}`}>
                <td class="mono">{change.path}</td>
                <td class="mono">{text(change.before)}</td>
                <td class="mono">{text(change.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
