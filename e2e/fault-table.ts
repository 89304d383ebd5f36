// One row per injected fault, and the table the fault suite prints (Markdown, so docs/reliability.md can hold it).

export interface FaultRow {
  fault: string;
  sent: number;
  acknowledged: number;
  /** Commands still retried when the client gave up: not acknowledged, so not counted as lost. */
  unanswered: number;
  lost: number;
  doubled: number;
  /** 5xx answers other than 503, to commands and reads. */
  errors5xx: number;
  status503: number;
  /**
   * From the fault's end until a command sent after it was acknowledged and read back; undefined: not within the bound;
   * null: not a fault (the whole run).
   */
  recoveredMs: number | undefined | null;
  /** Why the row fails, if it does. */
  problems: string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function faultTable(rows: readonly FaultRow[], recoveryBoundMs: number): string {
  const header =
    '| fault | commands sent | acknowledged | unanswered | lost | doubled | 5xx (not 503) | 503 | time to recover | ' +
    'result |';
  const lines = rows.map((r) =>
    [
      r.fault,
      r.sent,
      r.acknowledged,
      r.unanswered,
      r.lost,
      r.doubled,
      r.errors5xx,
      r.status503,
      r.recoveredMs === null
        ? ''
        : r.recoveredMs === undefined
          ? `not within ${seconds(recoveryBoundMs)}`
          : seconds(r.recoveredMs),
      r.problems.length === 0 ? 'pass' : `FAIL: ${r.problems.join('; ').replaceAll('|', '/')}`,
    ].join(' | '),
  );
  return [header, '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|', ...lines.map((l) => `| ${l} |`)].join('\n');
}
