import { describe, expect, it } from 'vitest';
import { Text } from './text.js';

describe('free text', () => {
  const text = Text(10);

  it('takes text any layer can store and send, trimmed', () => {
    for (const value of ['Lamp', 'Café ☕', 'emoji 😀', 'two\nlines', 'tab\there'])
      expect(text.safeParse(value).success, JSON.stringify(value)).toBe(true);
    expect(text.parse('  Lamp  ')).toBe('Lamp');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['an escape sequence', '\u001b[31m'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['a reversed pair', '\ude00\ud83d'],
    ['blank text', '   '],
    ['text over its bound', 'x'.repeat(11)],
  ])('refuses %s', (_case, value) => {
    expect(text.safeParse(value).success).toBe(false);
  });
});
