// After a failed fetch, the next try waits longer each time, so a service coming back is not flooded, but never more
// than 10 s, so an operator sees it back soon.

const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 10_000;

/** The wait before the next try after `failures` failures in a row: 1 s, 2 s, 4 s, 8 s, then 10 s. */
export const retryDelayMs = (failures: number): number =>
  Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), LONGEST_RETRY_MS);
