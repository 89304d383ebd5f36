import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { formatTime } from '../shared/format.js';
import { PollStatus } from '../shared/poll-status.js';
import { usePoll } from '../shared/use-poll.js';
import { EntityHistory } from './entity-history.js';
import { searchStreams, type StreamSummary } from './history.js';
import { entityOfStream } from './stream-entity.js';
import { StreamEvents } from './stream-events.js';

export function StreamsView() {
  const { api } = useSession();
  const [search, setSearch] = useState('');
  const [prefix, setPrefix] = useState('');
  const [selected, setSelected] = useState<StreamSummary | undefined>(undefined);

  // Search once typing settles.
  useEffect(() => {
    const settled = setTimeout(() => setPrefix(search.trim()), 300);
    return () => clearTimeout(settled);
  }, [search]);

  const query = api.query;
  const streams = usePoll((signal) => (query ? searchStreams(query, prefix, signal) : Promise.resolve([])), {
    key: [prefix],
    enabled: query !== undefined,
  });

  if (!query) return <NotConfigured />;
  const entity = selected && entityOfStream(selected.streamId);
  return (
    <section aria-labelledby="streams-title">
      <h2 id="streams-title">Streams</h2>
      <div class="toolbar" role="search">
        <label for="stream-search">Stream id starts with</label>
        <input
          id="stream-search"
          type="search"
          placeholder="order-, product-kettle"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <button type="button" onClick={streams.refresh}>
          Refresh
        </button>
      </div>
      <PollStatus poll={streams} />
      <div class="split">
        <table class="grid streams">
          <thead>
            <tr>
              <th>Stream</th>
              <th class="num">Revision</th>
              <th class="num">Position</th>
              <th>Last event at</th>
            </tr>
          </thead>
          <tbody>
            {(streams.data ?? []).map((stream) => (
              <tr
                key={stream.streamId}
                data-testid="stream-row"
                class={stream.streamId === selected?.streamId ? 'row-selected clickable' : 'clickable'}
                tabIndex={0}
                onClick={() => setSelected(stream)}
                onKeyDown={(event) => event.key === 'Enter' && setSelected(stream)}
              >
                <td class="mono">{stream.streamId}</td>
                <td class="num mono">{stream.revision}</td>
                <td class="num mono">{stream.position}</td>
                <td class="mono">{formatTime(stream.recordedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {streams.data?.length === 0 && <p class="muted">No stream starts with “{prefix}”.</p>}
      {selected && entity && <EntityHistory key={selected.streamId} query={query} entity={entity} stream={selected} />}
      {selected && <StreamEvents key={selected.streamId} query={query} stream={selected} />}
    </section>
  );
}

function NotConfigured() {
  const { config } = useSession();
  return (
    <section>
      <h2>Streams</h2>
      <p class="banner banner-problem" role="alert">
        The query API is not configured (config.json has no queryUrl); the projection API is {config.projectionUrl}.
      </p>
    </section>
  );
}
