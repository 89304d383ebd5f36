import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import { PollStatus } from '../shared/poll-status.js';
import { usePoll } from '../shared/use-poll.js';
import { actionsOf, auditQuery, type AuditEntry, type AuditFilter } from './audit-query.js';
import { AuditTable } from './audit-table.js';

interface Page {
  items: AuditEntry[];
  next: string | null;
}

export function AuditView() {
  const { api } = useSession();
  const [filter, setFilter] = useState<AuditFilter>({ action: '', actor: '' });
  const [actor, setActor] = useState('');
  const [actions, setActions] = useState<string[]>([]);
  const [older, setOlder] = useState<Page | undefined>(undefined);
  const [moreProblem, setMoreProblem] = useState<string | undefined>(undefined);

  const fetchPage = (before: string | undefined, signal?: AbortSignal): Promise<Page> =>
    call(api.projection, (client) => client.GET('/audit', { params: { query: auditQuery(filter, before) }, signal }));
  const first = usePoll((signal) => fetchPage(undefined, signal), { key: [filter] });

  // The actor filter asks the API once typing settles.
  useEffect(() => {
    const settled = setTimeout(
      () => setFilter((current) => (current.actor === actor ? current : { ...current, actor })),
      300,
    );
    return () => clearTimeout(settled);
  }, [actor]);
  // A new first page (new filters, or a refresh) starts the list over.
  useEffect(() => setOlder(undefined), [first.data]);
  // The actions seen so far stay selectable while a filter narrows the list.
  useEffect(
    () => setActions((known) => actionsOf([...known.map(parseAction), ...(first.data?.items ?? [])])),
    [first.data],
  );

  const entries = [...(first.data?.items ?? []), ...(older?.items ?? [])];
  const hasMore = (older ?? first.data)?.next != null;

  async function loadMore() {
    setMoreProblem(undefined);
    try {
      const page = await fetchPage(entries.at(-1)?.id);
      setOlder({ items: [...(older?.items ?? []), ...page.items], next: page.next });
    } catch (error) {
      setMoreProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <div class="toolbar" role="search">
        <label for="audit-action">Action</label>
        <select
          id="audit-action"
          value={filter.action}
          onChange={(event) => setFilter({ ...filter, action: event.currentTarget.value })}
        >
          <option value="">all</option>
          {actions.map((action) => (
            <option key={action} value={action}>
              {action}
            </option>
          ))}
        </select>
        <label for="audit-actor">Identity</label>
        <input id="audit-actor" type="search" value={actor} onInput={(event) => setActor(event.currentTarget.value)} />
        <button type="button" onClick={first.refresh}>
          Refresh
        </button>
      </div>
      <PollStatus poll={first} />
      <AuditTable entries={entries} />
      {first.data && entries.length === 0 && <p class="muted">No entries.</p>}
      {moreProblem && (
        <p class="banner banner-problem" role="alert">
          {moreProblem}
        </p>
      )}
      {hasMore && (
        <button type="button" onClick={() => void loadMore()}>
          More
        </button>
      )}
    </section>
  );
}

const parseAction = (action: string) => {
  const [method = '', route = ''] = action.split(' ');
  return { method, route };
};
