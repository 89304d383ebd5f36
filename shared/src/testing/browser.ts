import { existsSync } from 'node:fs';
import { describe } from 'vitest';

// Browser suites drive a real Chromium (Debian's `chromium`, or CHROMIUM_PATH) through playwright-core. Without one
// they are skipped with a clear message, unless REQUIRE_SERVICES=1 (CI), where a missing browser fails the run.

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium executable to drive, or undefined (after saying why) when the suite must be skipped. */
export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? candidates.find((candidate) => existsSync(candidate));
  if (path) return path;
  const why = `no Chromium at CHROMIUM_PATH or ${candidates.join(', ')} (Debian: apt-get install chromium)`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${why}: browser suites cannot run`);
  console.warn(`[skipped] browser suites: ${why}`);
  return undefined;
}

/** describe() that runs only when a Chromium is installed, and is reported as skipped otherwise. */
export function describeWithBrowser(name: string, body: (executablePath: string) => void): void {
  const path = chromiumPath();
  if (path) describe(name, () => body(path));
  else describe.skip(`${name} (skipped: no Chromium)`, () => body(''));
}
