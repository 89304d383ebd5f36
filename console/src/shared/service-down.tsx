import { useEffect, useState } from 'preact/hooks';
import type { ServiceDown } from './api.js';

interface Props {
  down: ServiceDown | undefined;
  retryAt: number | undefined;
}

/** "query-service is not answering (http://…): retrying in 3 s", counting down to the next try. */
export function ServiceDownBanner({ down, retryAt }: Props) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!down) return;
    const ticker = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(ticker);
  }, [down]);
  if (!down) return null;
  const seconds = Math.max(0, Math.ceil(((retryAt ?? now) - now) / 1_000));
  return (
    <div class="banner banner-down" data-testid="service-down" role="status" title={down.reason}>
      {down.service} is not answering ({down.url}): {seconds > 0 ? `retrying in ${seconds} s` : 'retrying now'}
    </div>
  );
}
