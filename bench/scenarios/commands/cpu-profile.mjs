// Preloaded into the benchmarked processes (NODE_OPTIONS=--import, which refuses --cpu-prof) when
// BENCH_COMMANDS_PROFILE_DIR is set: profiles the whole process and writes <dir>/<script>-<pid>-<thread>.cpuprofile
// as it exits. Only the main thread: a preload does not run in workers (PGlite's, in the embedded engine).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // An in-thread session answers synchronously, so this completes before the process is gone.
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(
          join(dir, `${process.argv[1]?.split('/').at(-1) ?? 'node'}-${process.pid}-${threadId}.cpuprofile`),
          JSON.stringify(result.profile),
        );
    });
  });
}
