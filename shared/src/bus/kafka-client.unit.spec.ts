import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEngineConfig } from '../config/config.js';
import { kafkaSecurityOf, kafkaSecurityOptions } from './kafka-client.js';

describe('Kafka credentials from the config', () => {
  it('connects as before (no sasl, no ssl) without KAFKA_SASL_MECHANISM', () => {
    const config = loadEngineConfig({});
    expect(config.KAFKA_SSL).toBe(false);
    expect(kafkaSecurityOptions(kafkaSecurityOf(config))).toEqual({});
  });

  it('turns mechanism, user name, password and KAFKA_SSL into kafkajs options', () => {
    const config = loadEngineConfig({
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_USERNAME: 'relay',
      KAFKA_PASSWORD: 's3cret-value',
      KAFKA_SSL: 'true',
    });
    expect(kafkaSecurityOptions(kafkaSecurityOf(config))).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'relay', password: 's3cret-value' },
    });
    const { sasl } = kafkaSecurityOf(config);
    expect(JSON.stringify(sasl)).not.toContain('s3cret-value');
    expect(inspect(sasl)).not.toContain('s3cret-value');
  });

  it('refuses a mechanism without credentials, credentials without a mechanism, and never shows the password', () => {
    expect(() => loadEngineConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_USERNAME: 'saga' })).toThrow(/KAFKA_PASSWORD/);
    let error: unknown;
    try {
      loadEngineConfig({ KAFKA_USERNAME: 'saga', KAFKA_PASSWORD: 's3cret-value' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/KAFKA_SASL_MECHANISM/);
    expect(String(error)).not.toContain('s3cret-value');
    expect(() =>
      loadEngineConfig({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_USERNAME: 'a', KAFKA_PASSWORD: 's3cret-value' }),
    ).toThrow(/KAFKA_SASL_MECHANISM/);
  });
});
