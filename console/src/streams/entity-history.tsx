import type { QueryClient } from '@order-engine/client';
import { useRef, useState } from 'preact/hooks';
import type { Endpoint } from '../shared/api.js';
import { formatTime } from '../shared/format.js';
import { PollStatus } from '../shared/poll-status.js';
import { usePoll } from '../shared/use-poll.js';
import { entityAt, type PointInHistory, type StreamSummary } from './history.js';
import { RevisionPicker } from './revision-picker.js';
import { StateChanges } from './state-changes.js';
import type { StreamEntity } from './stream-entity.js';

interface Props {
  query: Endpoint<QueryClient>;
  entity: StreamEntity;
  stream: StreamSummary;
}

/** An order or product as it was at a revision or a time, and what changed against a second revision. */
export function EntityHistory({ query, entity, stream }: Props) {
  const [point, setPoint] = useState<PointInHistory>({ revision: stream.revision });
  const [compareTo, setCompareTo] = useState<number | undefined>(undefined);
  const shown = usePoll((signal) => entityAt(query, entity, point, signal), {
    key: [stream.streamId, point],
  });
  // A state is never shown under another revision than its own: while the next one loads, the picker stays put.
  const lastRevision = useRef(stream.revision);
  const revision = shown.data?.revision ?? ('revision' in point ? point.revision : lastRevision.current);
  lastRevision.current = revision;
  // Default: what the shown revision's event changed.
  const other = compareTo ?? (revision > 0 ? revision - 1 : undefined);
  const compared = usePoll((signal) => entityAt(query, entity, { revision: other ?? 0 }, signal), {
    key: [stream.streamId, other],
    enabled: other !== undefined,
    keepDataOnKeyChange: true,
  });

  const state = shown.data?.state;
  return (
    <section class="card" aria-label={`${stream.streamId} as it was`}>
      <h3>
        <span class="mono">{stream.streamId}</span> as it was
      </h3>
      <RevisionPicker
        revision={revision}
        latest={stream.revision}
        compareTo={compareTo}
        onRevision={(picked) => setPoint({ revision: picked })}
        onTime={(at) => setPoint({ at })}
        onCompareTo={setCompareTo}
      />
      <PollStatus poll={shown} />
      <PollStatus poll={compared} />
      {shown.data && state && (
        <div class="two-columns">
          <div data-testid="entity-state">
            <p>
              Revision <span class="mono">{shown.data.revision}</span> (position{' '}
              <span class="mono">{shown.data.position}</span>,{' '}
              <span class="mono">{formatTime(shown.data.recordedAt)}</span>): status{' '}
              <strong class={`pill pill-${state.status}`}>{state.status}</strong>
            </p>
            <pre>{JSON.stringify(state, null, 2)}</pre>
          </div>
          <StateChanges
            shown={{ revision: shown.data.revision, state }}
            compared={
              other === undefined
                ? undefined
                : compared.data && { revision: compared.data.revision, state: compared.data.state }
            }
          />
        </div>
      )}
    </section>
  );
}
