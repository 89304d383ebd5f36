import type { Scenario } from '../scenario.js';

// Every scenario, in the order `npm run bench` runs them.
export const scenarios: Scenario[] = [];
scenarios.push((await import('./append.js')).append);
scenarios.push((await import('./global-read.js')).globalRead);
scenarios.push((await import('./queries.js')).queries);
scenarios.push((await import('./commands.js')).commands);
scenarios.push((await import('./overload.js')).overload);
scenarios.push((await import('./ceiling.js')).ceiling);
scenarios.push((await import('./history-export.js')).historyExport);
scenarios.push((await import('./rebuild.js')).rebuild);
