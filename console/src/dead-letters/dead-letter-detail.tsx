import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import { formatTime } from '../shared/format.js';
import { PollStatus } from '../shared/poll-status.js';
import type { ProjectionName } from '../shared/projection-names.js';
import { ReadOnlyNote } from '../shared/read-only-note.js';
import { usePoll } from '../shared/use-poll.js';
import { retryOutcomeText } from './letters.js';
import { retryLetter } from './retry-letter.js';

interface Props {
  projection: ProjectionName;
  id: string;
  onRetried(): void;
  onClose(): void;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

export function DeadLetterDetail({ projection, id, onRetried, onClose }: Props) {
  const { api, readOnly } = useSession();
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const [retrying, setRetrying] = useState(false);
  const detail = usePoll(
    (signal) =>
      call(api.projection, (client) =>
        client.GET('/projections/{name}/dead-letters/{id}', { params: { path: { name: projection, id } }, signal }),
      ),
    { key: [projection, id] },
  );
  useEffect(() => setOutcome(undefined), [projection, id]);

  async function retry() {
    setRetrying(true);
    try {
      const answer = await retryLetter(api, projection, id);
      setOutcome(retryOutcomeText(answer));
      onRetried();
      if (!answer.applied) detail.refresh(); // the letter stays, with its new error
    } catch (error) {
      setOutcome(error instanceof Error ? error.message : String(error));
    } finally {
      setRetrying(false);
    }
  }

  const letter = detail.data;
  return (
    <aside class="detail" data-testid="dead-letter-detail" aria-label={`Dead letter ${id} of ${projection}`}>
      <header class="detail-head">
        <h3>
          Dead letter <span class="mono">{id}</span> of {projection}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the dead letter">
          ×
        </button>
      </header>
      <div class="toolbar">
        <button type="button" onClick={() => void retry()} disabled={readOnly || retrying}>
          Retry
        </button>
        <ReadOnlyNote />
      </div>
      {outcome && (
        <p class="banner banner-info" data-testid="retry-outcome" role="status">
          {outcome}
        </p>
      )}
      <PollStatus poll={detail} />
      {letter && (
        <>
          <dl class="facts">
            <dt>Event</dt>
            <dd class="mono">{letter.eventId}</dd>
            <dt>Type</dt>
            <dd>{letter.eventType}</dd>
            <dt>Position</dt>
            <dd class="mono">{letter.position}</dd>
            <dt>Version schema</dt>
            <dd class="mono">{letter.schema}</dd>
            <dt>Failed at</dt>
            <dd class="mono">{formatTime(letter.failedAt)}</dd>
          </dl>
          <h4>Error</h4>
          <pre class="error-text">{letter.error}</pre>
          {letter.event ? (
            <>
              <h4>
                Event <span class="mono">{letter.event.streamId}</span> revision {letter.event.revision} ·{' '}
                {letter.event.type} v{letter.event.version} ·{' '}
                <span class="mono">{formatTime(letter.event.recordedAt)}</span>
              </h4>
              <h4>data</h4>
              <pre>{json(letter.event.data)}</pre>
              <h4>metadata</h4>
              <pre>{json(letter.event.metadata)}</pre>
            </>
          ) : (
            <p class="banner banner-problem">
              The event is no longer at position {letter.position} in the event store.
            </p>
          )}
        </>
      )}
    </aside>
  );
}
