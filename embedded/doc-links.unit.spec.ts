import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every relative link of the README and docs/ resolves: to a file that exists and, with #anchor, to one of its headings.
const root = resolve(import.meta.dirname, '..');
const documents = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchors of a markdown file's headings (lowercase, punctuation dropped, spaces as hyphens, -1 for repeats). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** The broken relative links of one document, as `file: target (why)`. */
function brokenLinks(file: string): string[] {
  const markdown = readFileSync(join(root, file), 'utf8');
  const broken: string[] = [];
  for (const [, target] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const linked = path === '' ? join(root, file) : resolve(root, dirname(file), path);
    if (!existsSync(linked)) broken.push(`${file}: ${target} (no ${relative(root, linked)})`);
    else if (anchor !== undefined && linked.endsWith('.md') && !anchors(readFileSync(linked, 'utf8')).has(anchor))
      broken.push(`${file}: ${target} (no heading #${anchor} in ${relative(root, linked)})`);
  }
  return broken;
}

describe('links of the README and docs/', () => {
  it('finds the documents', () => expect(documents.length).toBeGreaterThan(2));

  it('resolve: every relative link names a file that exists, and every #anchor one of its headings', () => {
    expect(documents.flatMap(brokenLinks)).toEqual([]);
  });
});
