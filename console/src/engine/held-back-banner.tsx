import { formatTime } from '../shared/format.js';
import type { HeldBack } from './relay-health.js';

/** A transaction left open somewhere holds back `$all`: the relay and every projection behind it wait. */
export function HeldBackBanner({ heldBack }: { heldBack: HeldBack }) {
  return (
    <div class="banner banner-warn" role="alert" data-testid="held-back">
      <strong>$all is held back</strong> since <span class="mono">{formatTime(heldBack.since)}</span> by{' '}
      <span class="mono">{heldBack.transaction}</span>. Committed events wait until that transaction ends.
    </div>
  );
}
