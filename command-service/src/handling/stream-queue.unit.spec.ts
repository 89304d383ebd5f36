import { describe, expect, it } from 'vitest';
import { streamQueue } from './stream-queue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('streamQueue', () => {
  it('runs the tasks of one stream one after another, in arrival order', async () => {
    const queue = streamQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue('s', task('a')), queue('s', task('b')), queue('s', task('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs tasks of different streams side by side', async () => {
    const queue = streamQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
    };
    await Promise.all([queue('s1', task('a')), queue('s2', task('b'))]);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
  });

  it('a failed task fails its caller only; the next task of the stream still runs', async () => {
    const queue = streamQueue();
    const failing = queue('s', async () => {
      throw new Error('boom');
    });
    const next = queue('s', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
