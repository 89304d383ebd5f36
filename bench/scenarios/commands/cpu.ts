import { readdir, readFile } from 'node:fs/promises';

// Where a stack's CPU goes, per process, from Linux's /proc: the stack's own processes (this process's children,
// named by the caller), the servers they use (PostgreSQL, Kafka, Redis), and the load generator (this process).
// Undefined where there is no /proc.

const MAIN_THREAD = ' main thread';

/** CPU seconds used so far, by process name (several processes of one name add up). */
export type CpuSeconds = Map<string, number>;

const servers: [RegExp, string][] = [
  [/(^|\/)postgres(:| )/, 'postgres'],
  [/ kafka\.Kafka /, 'kafka'],
  [/(^|\/)redis-server /, 'redis'],
];

// A stat line's fields after the command name (which may hold spaces): state, ppid, ..., utime and stime are the
// 12th and 13th, in ticks (USER_HZ is 100 on Linux); cutime and cstime, the 14th and 15th, are what the process's
// children used before it reaped them: PostgreSQL's backends that ended during the measurement (a pool closing idle
// connections) stay counted in the postmaster's.
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
const cpuOf = (fields: string[]): number => (Number(fields[11]) + Number(fields[12])) / 100;
const withReapedChildren = (fields: string[]): number =>
  cpuOf(fields) + (Number(fields[13]) + Number(fields[14])) / 100;

const mainThreadSeconds = async (pid: string): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8').catch(() => '');
  return stat ? cpuOf(statFields(stat)) : 0;
};

export async function cpuSeconds(childName: (cmdline: string) => string): Promise<CpuSeconds | undefined> {
  const seconds: CpuSeconds = new Map();
  const add = (name: string, used: number) => seconds.set(name, (seconds.get(name) ?? 0) + used);
  try {
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      // A process may end between the listing and the read: it is simply not counted.
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
      ]).catch(() => ['', '']);
      if (!stat) continue;
      const fields = statFields(stat);
      const command = `${cmdline.replaceAll('\0', ' ')} `;
      const name =
        Number(fields[1]) === process.pid
          ? childName(command)
          : servers.find(([pattern]) => pattern.test(command))?.[1];
      if (!name) continue;
      add(name, withReapedChildren(fields));
      // A stack's own process also by its main thread: the rest is its workers (PGlite's) and V8's helpers (GC).
      if (Number(fields[1]) === process.pid) add(name + MAIN_THREAD, await mainThreadSeconds(pid));
    }
  } catch {
    return undefined;
  }
  const own = process.cpuUsage();
  add('load generator', (own.user + own.system) / 1e6);
  return seconds;
}

/**
 * ms per command of each process that worked between two readings, the busiest first; a stack's own process is
 * labelled with its main thread's share ("engine (main thread 1.20)").
 */
export function cpuPerCommand(before: CpuSeconds, after: CpuSeconds, commands: number): [string, number][] {
  const used = (name: string) => (((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1_000) / commands;
  return [...after.keys()]
    .filter((name) => !name.endsWith(MAIN_THREAD))
    .map((name): [string, number] => {
      const main = after.has(name + MAIN_THREAD) ? ` (main thread ${used(name + MAIN_THREAD).toFixed(2)})` : '';
      return [name + main, used(name)];
    })
    .filter(([, ms]) => ms >= 0.005)
    .sort((a, b) => b[1] - a[1]);
}
