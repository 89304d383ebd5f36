// Where the three APIs are, as the browser sees them: the engine serves it as /console/config.json. Without it the
// console still reaches the projection API on its own origin, and says the other two are not configured.

export interface ConsoleConfig {
  projectionUrl: string;
  queryUrl: string | undefined;
  commandUrl: string | undefined;
}

const urlOrUndefined = (value: unknown): string | undefined =>
  typeof value === 'string' && /^https?:\/\//.test(value) ? value.replace(/\/+$/, '') : undefined;

/** The config from config.json's answer; anything missing or malformed falls back (projection) or stays unset. */
export function parseConfig(json: unknown, origin: string): ConsoleConfig {
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  return {
    projectionUrl: urlOrUndefined(fields.projectionUrl) ?? origin,
    queryUrl: urlOrUndefined(fields.queryUrl),
    commandUrl: urlOrUndefined(fields.commandUrl),
  };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
    if (response.ok) return parseConfig(await response.json(), location.origin);
  } catch {
    // No config: fall back below.
  }
  return parseConfig(undefined, location.origin);
}
