import { z } from 'zod';
import { header, type ApiOperation } from '@order-engine/shared';

// The operator console's files and its one setting, as the projection API describes them.

export const ConsoleConfig = z
  .object({
    commandUrl: z.string().meta({ description: 'The command API, as the browser that asked reaches it.' }),
    queryUrl: z.string().meta({ description: 'The query API, as the browser that asked reaches it.' }),
  })
  .meta({ id: 'ConsoleConfig' });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

const tag = 'console';
const notBuilt = { 503: 'The console is not built (`npm run build -w console`).' };

export const consoleApi: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/console',
    operationId: 'console',
    summary: 'The operator console (sign in with an operator or analyst key or token)',
    tag,
    answers: {
      200: {
        description: 'The console page.',
        body: z.string(),
        mediaType: 'text/html',
        headers: {
          'Content-Security-Policy': header('Scripts and styles of this origin only; calls to the three APIs only.'),
          'X-Content-Type-Options': header('nosniff.'),
        },
      },
      301: { description: 'To /console/ (with the slash the page needs).', headers: { Location: header('/console/') } },
    },
    refusals: notBuilt,
  },
  {
    method: 'get',
    path: '/console/config.json',
    operationId: 'consoleConfig',
    summary: 'Where the console finds the other two APIs',
    tag,
    answers: { 200: { description: 'Their URLs.', body: ConsoleConfig } },
  },
  {
    method: 'get',
    path: '/console/assets/:file',
    operationId: 'consoleAsset',
    summary: 'A script or style sheet of the console (its name changes with its content: cached for a year)',
    tag,
    params: z.object({ file: z.string() }),
    answers: { 200: { description: 'The file.', body: z.string(), mediaType: ['text/javascript', 'text/css'] } },
    refusals: { 404: 'No such file.', ...notBuilt },
  },
];
