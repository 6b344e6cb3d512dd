import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults that work on a fresh clone', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      dbUrl: `file:${resolve('./data/parley.db')}`,
      logLevel: 'info',
      corsOrigins: [],
      maxBodyBytes: 1_048_576,
      shutdownTimeoutMs: 10_000,
      faucetAmount: 1000n * 10n ** 18n,
      faucetCooldownSeconds: 86_400,
      channelExpirySeconds: 2_592_000,
      challengeSeconds: 86_400,
      allowPrivateProviders: false,
      routingStrategy: 'weighted',
      upstreamAttempts: 3,
      upstreamTimeoutMs: 30_000,
      upstreamDeadlineMs: 60_000,
      teeAllowClockOverride: false,
      teeSim: false,
      teeMaxAgeS: 86_400,
    });
  });

  it('reads PARLEY_* variables, deriving the database from the data dir', () => {
    const config = loadConfig({
      PARLEY_HOST: '0.0.0.0',
      PARLEY_PORT: '9090',
      PARLEY_DATA_DIR: '/var/lib/parley',
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_ADMIN_TOKEN: 'a-long-enough-admin-token',
      PARLEY_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      dbUrl: 'file:/var/lib/parley/parley.db',
      logLevel: 'debug',
      adminToken: 'a-long-enough-admin-token',
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(loadConfig({ PARLEY_DB_URL: ':memory:' }).dbUrl).toBe(':memory:');
  });

  it.each([
    ['PARLEY_PORT', 'eighty', 'a whole number from 0 to 65535'],
    ['PARLEY_PORT', '70000', 'a whole number from 0 to 65535'],
    ['PARLEY_LOG_LEVEL', 'loud', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['PARLEY_DB_URL', 'mysql://db', 'a SQLite URL'],
    ['PARLEY_ADMIN_TOKEN', 'short', 'at least 16 characters'],
    ['PARLEY_CORS_ORIGINS', 'not a url', 'http(s) origins'],
    ['PARLEY_MAX_BODY_BYTES', '12', 'from 1024'],
  ])('rejects %s=%s naming the variable and what is allowed', (name, value, allowed) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^${name} must be .*${allowed.replace(/[()]/g, '\\$&')}`),
    );
  });

  it('reads an optional JSON file, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ port: 7000, logLevel: 'warn', corsOrigins: ['*'] }));
    expect(loadConfig({ PARLEY_CONFIG: file })).toMatchObject({
      port: 7000,
      logLevel: 'warn',
      corsOrigins: ['*'],
    });
    expect(loadConfig({ PARLEY_CONFIG: file, PARLEY_PORT: '7001' }).port).toBe(7001);
  });

  it('explains a bad config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const unknownKey = join(dir, 'unknown.json');
    writeFileSync(unknownKey, JSON.stringify({ prot: 7000 }));
    expect(() => loadConfig({ PARLEY_CONFIG: unknownKey })).toThrow(/unknown keys prot/);
    const badValue = join(dir, 'bad.json');
    writeFileSync(badValue, JSON.stringify({ port: 'x' }));
    expect(() => loadConfig({ PARLEY_CONFIG: badValue })).toThrow(
      /^port in .*bad\.json must be a whole number/,
    );
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{port:');
    expect(() => loadConfig({ PARLEY_CONFIG: notJson })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ PARLEY_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });
});
