import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import { PollStatus } from '../shared/poll-status.js';
import { usePoll } from '../shared/use-poll.js';
import { CacheCard, CommandsCard, ProcessorsCard } from './engine-cards.js';
import { HeldBackBanner } from './held-back-banner.js';
import { relayHealthOf } from './relay-health.js';
import { SCRAPE_MS, useScrape } from './use-scrape.js';

// Each API's /metrics every 5 s, plus command-service's /health for the relay. Each service fails on its own:
// its banner says so and the cards keep the last numbers.

export function EngineView() {
  const { api } = useSession();
  const { command, query, projection } = api;
  const commandScrapes = useScrape(
    command && ((signal) => call(command, (client) => client.GET('/metrics', { parseAs: 'text', signal }))),
  );
  const queryScrapes = useScrape(
    query && ((signal) => call(query, (client) => client.GET('/metrics', { parseAs: 'text', signal }))),
  );
  const projectionScrapes = useScrape((signal) =>
    call(projection, (client) => client.GET('/metrics', { parseAs: 'text', signal })),
  );
  const health = usePoll(
    (signal) => (command ? call(command, (client) => client.GET('/health', { signal })) : Promise.resolve(undefined)),
    { intervalMs: SCRAPE_MS, enabled: command !== undefined },
  );
  const relay = relayHealthOf(health.data);

  return (
    <section aria-labelledby="engine-title">
      <h2 id="engine-title">Engine</h2>
      <PollStatus poll={commandScrapes.poll} />
      <PollStatus poll={health} />
      <PollStatus poll={queryScrapes.poll} />
      <PollStatus poll={projectionScrapes.poll} />
      {relay?.heldBack && <HeldBackBanner heldBack={relay.heldBack} />}
      <div class="cards">
        <CommandsCard configured={command !== undefined} scrapes={commandScrapes} />
        <CacheCard configured={query !== undefined} scrapes={queryScrapes} />
        <ProcessorsCard
          scrapes={[commandScrapes, projectionScrapes]}
          relay={relay}
          healthKnown={health.data !== undefined}
        />
      </div>
    </section>
  );
}
