import type { Poll } from './use-poll.js';
import { ServiceDownBanner } from './service-down.js';

/** What went wrong with a poll, above the data it keeps showing. */
export function PollStatus({ poll }: { poll: Poll<unknown> }) {
  return (
    <>
      <ServiceDownBanner down={poll.down} retryAt={poll.retryAt} />
      {poll.problem && !poll.down && (
        <div class="banner banner-problem" role="alert">
          {poll.problem}
        </div>
      )}
    </>
  );
}
