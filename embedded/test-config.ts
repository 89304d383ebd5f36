import { loadEngineConfig, type EngineConfig } from '@order-engine/shared';

/** An engine for a test: in memory, on free ports, silent, without demo data; `settings` adds to or overrides that. */
export const testEngineConfig = (settings: Record<string, string> = {}): EngineConfig =>
  loadEngineConfig({
    DATA_DIR: 'memory://',
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    ...settings,
  });
