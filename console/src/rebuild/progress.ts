/** How far a rebuild is, 0 to 100 (whole percent); a finished one is at 100 whatever its counts say. */
export function progressPercent(eventsDone: number, eventsTotal: number, finished: boolean): number {
  if (finished) return 100;
  if (eventsTotal <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((eventsDone / eventsTotal) * 100)));
}
