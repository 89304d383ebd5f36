/** One JSON value per non-blank line (the history export's NDJSON). */
export const parseNdjson = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
