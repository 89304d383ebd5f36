import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import { formatTime } from '../shared/format.js';
import { PollStatus } from '../shared/poll-status.js';
import { projectionNameOf, type ProjectionName } from '../shared/projection-names.js';
import { usePoll } from '../shared/use-poll.js';
import { useProjections } from '../shared/use-projections.js';
import { DeadLetterDetail } from './dead-letter-detail.js';
import { LetterFilters } from './letter-filters.js';
import {
  eventTypesOf,
  filterLetters,
  isFiltering,
  NO_FILTER,
  type LetterFilter,
  type ProjectionLetter,
} from './letters.js';

const POLL_MS = 5_000;
const LIMIT = 500;

interface SelectedLetter {
  projection: ProjectionName;
  id: string;
}

export function DeadLettersView() {
  const { api } = useSession();
  const projections = useProjections(10_000);
  const [filter, setFilter] = useState<LetterFilter>(NO_FILTER);
  const [knownTypes, setKnownTypes] = useState<string[]>([]);
  const [selected, setSelected] = useState<SelectedLetter | undefined>(undefined);
  const names = (projections.data ?? []).map(projectionNameOf);
  const asked = names.filter((name) => filter.projection === '' || name === filter.projection);

  const letters = usePoll(
    async (signal) => {
      const query = {
        limit: LIMIT,
        ...(filter.eventType && { eventType: filter.eventType }),
        ...(filter.error.trim() && { error: filter.error.trim() }),
      };
      const lists = await Promise.all(
        asked.map(async (projection) => {
          const { items } = await call(api.projection, (client) =>
            client.GET('/projections/{name}/dead-letters', { params: { path: { name: projection }, query }, signal }),
          );
          return items.map((letter): ProjectionLetter<ProjectionName> => ({ ...letter, projection }));
        }),
      );
      return lists.flat();
    },
    { key: [names.join(',')], enabled: names.length > 0, intervalMs: POLL_MS },
  );

  // A changed filter asks the API again (typing settles first); the list below filters at once.
  const { refresh } = letters;
  useEffect(() => {
    if (filter === NO_FILTER) return; // the first render: the poll is fetching already
    const settled = setTimeout(refresh, 300);
    return () => clearTimeout(settled);
  }, [filter]);

  // The event types seen so far stay selectable while a filter narrows the list.
  useEffect(() => {
    setKnownTypes((known) => eventTypesOf([...known.map((eventType) => ({ eventType })), ...(letters.data ?? [])]));
  }, [letters.data]);

  const shown = filterLetters(letters.data ?? [], filter);
  return (
    <section aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      <PollStatus poll={projections} />
      <PollStatus poll={letters} />
      <LetterFilters filter={filter} projections={names} eventTypes={knownTypes} onChange={setFilter} />
      <div class="split">
        <table class="grid">
          <thead>
            <tr>
              <th>Projection</th>
              <th class="num">Id</th>
              <th class="num">Position</th>
              <th>Event type</th>
              <th>Error</th>
              <th>Failed at</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((letter) => (
              <tr
                key={`${letter.projection}:${letter.id}`}
                data-testid="dead-letter-row"
                class={
                  selected?.id === letter.id && selected.projection === letter.projection
                    ? 'row-selected clickable'
                    : 'clickable'
                }
                tabIndex={0}
                onClick={() => setSelected({ projection: letter.projection, id: letter.id })}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') setSelected({ projection: letter.projection, id: letter.id });
                }}
              >
                <td>{letter.projection}</td>
                <td class="num mono">{letter.id}</td>
                <td class="num mono">{letter.position}</td>
                <td>{letter.eventType}</td>
                <td class="error-text">{letter.error}</td>
                <td class="mono">{formatTime(letter.failedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {selected && (
          <DeadLetterDetail
            projection={selected.projection}
            id={selected.id}
            onRetried={letters.refresh}
            onClose={() => setSelected(undefined)}
          />
        )}
      </div>
      {letters.data && shown.length === 0 && (
        <p class="muted">No dead letters{isFiltering(filter) ? ' match the filters' : ''}.</p>
      )}
    </section>
  );
}
