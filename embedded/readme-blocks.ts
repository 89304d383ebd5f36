// The README's shell blocks, for the README test. A block is run unless an HTML comment on the last line before its fence
// says otherwise: `<!-- readme-test: skip (why) -->`, `<!-- readme-test: distributed -->` (against real services) or
// `<!-- readme-test: engine-stopped -->` (run with `npm start` stopped).

export interface ReadmeBlock {
  /** The line of the opening fence, 1-based. */
  line: number;
  /** The heading the block is under. */
  heading: string;
  kind: 'run' | 'skip' | 'distributed' | 'engine-stopped';
  text: string;
}

const marker = /^<!-- readme-test: (skip|distributed|engine-stopped)\b.*-->$/;

/** Every ```bash block of markdown, in order; blocks of other languages (output, diagrams) are not commands. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    if (!line.startsWith('```')) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${i + 1}: a fence that is never closed`);
    if (line.trim() === '```bash') {
      const before = lines.slice(0, i).findLast((l) => l.trim() !== '') ?? '';
      const kind = (marker.exec(before.trim())?.[1] ?? 'run') as ReadmeBlock['kind'];
      blocks.push({ line: i + 1, heading, kind, text: `${lines.slice(i + 1, end).join('\n')}\n` });
    }
    i = end;
  }
  return blocks;
}
