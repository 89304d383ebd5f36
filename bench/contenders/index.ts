import type { Contender } from './contender.js';
import { emmettContender } from './emmett.js';
import { engineContender } from './engine.js';
import { rawContender } from './raw.js';

export type { Contender } from './contender.js';

/** The three contenders, each in its own fresh schema or database on the same server, with pools of the same size. */
export async function openContenders(databaseUrl: string, poolSize: number): Promise<Contender[]> {
  return [
    await engineContender(databaseUrl, poolSize),
    await emmettContender(databaseUrl, poolSize),
    await rawContender(databaseUrl, poolSize),
  ];
}

export async function closeContenders(contenders: readonly Contender[]): Promise<void> {
  for (const contender of contenders) await contender.close();
}
