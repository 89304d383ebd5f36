import { Fragment, type ComponentChildren } from 'preact';
import { formatNumber, formatPercent, formatSeconds } from '../shared/format.js';
import { cacheHitRate, processorLags, ratesByLabel, totalRate } from './engine-rates.js';
import type { RelayHealth } from './relay-health.js';
import type { Scrapes } from './use-scrape.js';

function Card({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-label={title}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

const NOT_CONFIGURED = <p class="muted">not configured (config.json has no URL for it)</p>;

export function CommandsCard({ configured, scrapes }: { configured: boolean; scrapes: Scrapes }) {
  const current = scrapes.poll.data;
  if (!configured || !current)
    return (
      <Card title="Commands (command-service)">{configured ? <p class="muted">Loading…</p> : NOT_CONFIGURED}</Card>
    );
  const byOutcome = ratesByLabel(scrapes.previous, current, 'order_engine_commands_total', 'outcome');
  return (
    <Card title="Commands (command-service)">
      <dl class="facts">
        <dt>Commands per second</dt>
        <dd data-testid="commands-rate">
          {formatNumber(totalRate(scrapes.previous, current, 'order_engine_commands_total'))}
        </dd>
        {[...(byOutcome ?? new Map<string, number>())].map(([outcome, rate]) => (
          <Fragment key={outcome}>
            <dt class="indent">{outcome}</dt>
            <dd>{formatNumber(rate)}</dd>
          </Fragment>
        ))}
        <dt>Appends (events per second)</dt>
        <dd data-testid="appends-rate">
          {formatNumber(totalRate(scrapes.previous, current, 'order_engine_events_appended_total'))}
        </dd>
      </dl>
    </Card>
  );
}

export function CacheCard({ configured, scrapes }: { configured: boolean; scrapes: Scrapes }) {
  const current = scrapes.poll.data;
  if (!configured || !current)
    return <Card title="Cache (query-service)">{configured ? <p class="muted">Loading…</p> : NOT_CONFIGURED}</Card>;
  const hits = cacheHitRate(scrapes.previous, current);
  return (
    <Card title="Cache (query-service)">
      <dl class="facts">
        <dt>Hit rate, last 5 s</dt>
        <dd data-testid="cache-hit-rate">{formatPercent(hits.recent)}</dd>
        <dt>Hit rate since start</dt>
        <dd>{formatPercent(hits.sinceStart)}</dd>
        <dt>Lookups per second</dt>
        <dd>{formatNumber(hits.lookupsPerSecond)}</dd>
      </dl>
    </Card>
  );
}

interface ProcessorsProps {
  scrapes: readonly Scrapes[];
  relay: RelayHealth | undefined;
  healthKnown: boolean;
}

export function ProcessorsCard({ scrapes, relay, healthKnown }: ProcessorsProps) {
  const lags = scrapes.flatMap((scrape) => processorLags(scrape.poll.data?.samples ?? []));
  const relayLagged = lags.some((lag) => lag.kind === 'relay');
  return (
    <Card title="Relay and saga lag">
      <table class="grid">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Processor</th>
            <th class="num">Lag (events)</th>
            <th class="num">Lag (s)</th>
          </tr>
        </thead>
        <tbody>
          {lags.map((lag) => (
            <tr key={`${lag.kind}:${lag.processor}`} data-testid="processor-lag">
              <td>{lag.kind}</td>
              <td class="mono">{lag.processor}</td>
              <td class="num">{formatNumber(lag.events)}</td>
              <td class="num">{formatSeconds(lag.seconds)}</td>
            </tr>
          ))}
          {!relayLagged && (
            <tr data-testid="relay-absent">
              <td>relay</td>
              <td colSpan={3}>
                {relay
                  ? `state ${relay.state}, checkpoint ${relay.checkpoint ?? '—'}`
                  : healthKnown
                    ? 'none in the command service (embedded fan-out, or a relay process of its own)'
                    : '—'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {relay && relayLagged && (
        <p class="muted">
          Relay {relay.state}, checkpoint <span class="mono">{relay.checkpoint ?? '—'}</span>
        </p>
      )}
    </Card>
  );
}
