import { inspect } from 'node:util';
import { Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { EngineConfig } from '../config/config.js';
// Every client is made here, so the fix reaches them all (an unfixed idle client also arms timers of minus Date.now()
// ms, which Node 24 warns about).
import './kafkajs-idle-timer.js';

// Every kafkajs client of the engine (and of its tests) is made here, so that all of them authenticate the same way:
// SASL (SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN) with a user name and password, over TLS when KAFKA_SSL is set. Without
// a mechanism, a client connects as before: PLAINTEXT, no credentials.

export type KafkaSaslMechanism = NonNullable<EngineConfig['KAFKA_SASL_MECHANISM']>;

export interface KafkaCredentials {
  mechanism: KafkaSaslMechanism;
  username: string;
  /** Not enumerable: it stays out of JSON, util.inspect and spreads of the object (see kafkaCredentials). */
  readonly password: string;
}

/** How a client reaches the brokers: SASL credentials (none: unauthenticated), and TLS. */
export interface KafkaSecurity {
  sasl?: KafkaCredentials;
  ssl?: boolean;
}

/** The settings of EngineConfig this needs. */
export type KafkaSecurityConfig = Partial<
  Pick<EngineConfig, 'KAFKA_SASL_MECHANISM' | 'KAFKA_USERNAME' | 'KAFKA_PASSWORD' | 'KAFKA_SSL'>
>;

/**
 * Credentials whose password no log line can show: it is a non-enumerable property, so JSON.stringify, util.inspect
 * and `{ ...credentials }` leave it out, and both print `password: '***'` instead.
 */
export function kafkaCredentials(mechanism: KafkaSaslMechanism, username: string, password: string): KafkaCredentials {
  const shown = { mechanism, username, password: '***' };
  const credentials = { mechanism, username } as KafkaCredentials;
  Object.defineProperty(credentials, 'password', { value: password, enumerable: false });
  Object.defineProperty(credentials, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(credentials, inspect.custom, { value: () => shown, enumerable: false });
  return credentials;
}

/** The configured security (loadEngineConfig has checked that a mechanism comes with a user name and password). */
export function kafkaSecurityOf(config: KafkaSecurityConfig): KafkaSecurity {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = config;
  const ssl = config.KAFKA_SSL ?? false;
  if (!mechanism) return { ssl };
  if (username === undefined || password === undefined)
    throw new Error('KAFKA_SASL_MECHANISM needs KAFKA_USERNAME and KAFKA_PASSWORD');
  return { sasl: kafkaCredentials(mechanism, username, password), ssl };
}

/** The kafkajs `sasl` and `ssl` options of a security setting (nothing for an unauthenticated PLAINTEXT client). */
export function kafkaSecurityOptions(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const options: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  if (security?.ssl) options.ssl = true;
  const sasl = security?.sasl;
  if (sasl) {
    // Spelled out per mechanism: kafkajs's SASLOptions is a union keyed by it, and `password` is not enumerable.
    options.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  }
  return options;
}

/** A kafkajs client with the security settings applied: the one way this code base makes one. */
export function kafkaClient(config: KafkaConfig, security?: KafkaSecurity): Kafka {
  return new Kafka({ ...config, ...kafkaSecurityOptions(security) });
}
