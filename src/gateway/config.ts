import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { routingStrategySchema } from '../router/strategies.ts';

/** A boolean setting: true/false or 1/0, off unless set. */
const flag = () =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((value) => value === true || value === 'true' || value === '1')
    .default(false);

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every setting, the environment variable that sets it, and what it accepts. */
const settings = {
  host: {
    env: 'PARLEY_HOST',
    allowed: 'a host name or IP address to listen on',
    schema: z.string().min(1).default('127.0.0.1'),
  },
  port: {
    env: 'PARLEY_PORT',
    allowed: 'a whole number from 0 to 65535',
    schema: z.coerce.number().int().min(0).max(65_535).default(8080),
  },
  dataDir: {
    env: 'PARLEY_DATA_DIR',
    allowed: 'a directory path',
    schema: z.string().min(1).default('./data'),
  },
  dbUrl: {
    env: 'PARLEY_DB_URL',
    allowed: 'a SQLite URL such as file:./data/parley.db, or :memory:',
    schema: z
      .string()
      .regex(/^(file:.+|:memory:)$/)
      .optional(),
  },
  logLevel: {
    env: 'PARLEY_LOG_LEVEL',
    allowed: `one of ${logLevels.join(', ')}`,
    schema: z.enum(logLevels).default('info'),
  },
  adminToken: {
    env: 'PARLEY_ADMIN_TOKEN',
    allowed: 'a secret of at least 16 characters',
    schema: z.string().min(16).optional(),
  },
  walletKey: {
    env: 'PARLEY_WALLET_KEY',
    allowed: '64 hex characters (32 bytes) that seal wallet shares at rest',
    schema: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .transform((hex) => hex.toLowerCase())
      .optional(),
  },
  faucetAmount: {
    env: 'PARLEY_FAUCET_AMOUNT',
    allowed: 'atomic TNZO units granted per faucet claim (0 turns the faucet off)',
    schema: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,40})$/)
      .default('1000000000000000000000')
      .transform((value) => BigInt(value)),
  },
  faucetCooldownSeconds: {
    env: 'PARLEY_FAUCET_COOLDOWN_SECONDS',
    allowed: 'seconds an identity waits between faucet claims, 0 to 31536000',
    schema: z.coerce.number().int().min(0).max(31_536_000).default(86_400),
  },
  channelExpirySeconds: {
    env: 'PARLEY_CHANNEL_EXPIRY_SECONDS',
    allowed: 'seconds a payment channel stays open, 60 to 31536000',
    schema: z.coerce
      .number()
      .int()
      .min(60)
      .max(31_536_000)
      .default(30 * 24 * 3600),
  },
  challengeSeconds: {
    env: 'PARLEY_CHALLENGE_SECONDS',
    allowed: 'seconds of the challenge window of a unilateral close, 0 to 2592000',
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(2_592_000)
      .default(24 * 3600),
  },
  allowPrivateProviders: {
    env: 'PARLEY_ALLOW_PRIVATE_PROVIDERS',
    allowed: 'true or false: accept provider endpoints on loopback, link-local or private addresses',
    schema: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((value) => value === true || value === 'true')
      .default(false),
  },
  corsOrigins: {
    env: 'PARLEY_CORS_ORIGINS',
    allowed: 'a comma-separated list of http(s) origins, or *',
    schema: z
      .union([z.array(z.string()), z.string()])
      .transform((value) =>
        (Array.isArray(value) ? value : value.split(','))
          .map((origin) => origin.trim())
          .filter((origin) => origin !== ''),
      )
      .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ })])))
      .default([]),
  },
  maxBodyBytes: {
    env: 'PARLEY_MAX_BODY_BYTES',
    allowed: 'a whole number of bytes from 1024 to 1073741824',
    schema: z.coerce.number().int().min(1024).max(1_073_741_824).default(1_048_576),
  },
  routingStrategy: {
    env: 'PARLEY_ROUTING_STRATEGY',
    allowed: `the default routing strategy: ${routingStrategySchema.options.join(', ')}`,
    schema: routingStrategySchema.default('weighted'),
  },
  upstreamAttempts: {
    env: 'PARLEY_UPSTREAM_ATTEMPTS',
    allowed: 'how many providers one request may try, 1 to 10',
    schema: z.coerce.number().int().min(1).max(10).default(3),
  },
  upstreamTimeoutMs: {
    env: 'PARLEY_UPSTREAM_TIMEOUT_MS',
    allowed: 'milliseconds a provider has for its first token (and between tokens), 100 to 600000',
    schema: z.coerce.number().int().min(100).max(600_000).default(30_000),
  },
  upstreamDeadlineMs: {
    env: 'PARLEY_UPSTREAM_DEADLINE_MS',
    allowed: 'milliseconds all attempts together have before the first token, 100 to 600000',
    schema: z.coerce.number().int().min(100).max(600_000).default(60_000),
  },
  teeAllowClockOverride: {
    env: 'PARLEY_TEE_ALLOW_CLOCK_OVERRIDE',
    allowed: 'true or false: let attestation requests set the verification time (for old samples)',
    schema: flag(),
  },
  teeSim: {
    env: 'PARLEY_TEE_SIM',
    allowed:
      'true or false: accept the development-only `sim` TEE platform (anyone can forge its evidence; never in production)',
    schema: flag(),
  },
  teeMaxAgeS: {
    env: 'PARLEY_TEE_MAX_AGE_S',
    allowed: 'seconds a provider attestation stays valid (its evidence freshness window), 10 to 2678400',
    schema: z.coerce
      .number()
      .int()
      .min(10)
      .max(31 * 86_400)
      .default(86_400),
  },
  shutdownTimeoutMs: {
    env: 'PARLEY_SHUTDOWN_TIMEOUT_MS',
    allowed: 'a whole number of milliseconds from 0 to 600000',
    schema: z.coerce.number().int().min(0).max(600_000).default(10_000),
  },
} as const;

type Settings = typeof settings;
type ParsedSettings = { [Key in keyof Settings]: z.output<Settings[Key]['schema']> };

export type Config = Omit<ParsedSettings, 'dbUrl'> & { dbUrl: string; configFile?: string };

/** A setting that cannot be used; `main` prints the message and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The variables that `loadConfig` reads, for `--help` and the README. */
export const configVariables: ReadonlyArray<{ env: string; allowed: string }> = [
  ...Object.values(settings).map(({ env, allowed }) => ({ env, allowed })),
  { env: 'PARLEY_CONFIG', allowed: 'path of an optional JSON file with the same settings' },
];

/**
 * Reads the configuration once: an optional JSON file named by PARLEY_CONFIG (keys as in `Config`,
 * e.g. `{"port": 9000}`), overridden by PARLEY_* environment variables.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const configFile = env.PARLEY_CONFIG;
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const parsed: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    const fromEnv = env[setting.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile[key];
    const source = fromEnv !== undefined && fromEnv !== '' ? setting.env : `${key} in ${configFile}`;
    const result = (setting.schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      throw new ConfigError(`${source} must be ${setting.allowed} (got ${JSON.stringify(raw)})`);
    }
    parsed[key] = result.data;
  }
  const base = parsed as ParsedSettings;
  const dbUrl = base.dbUrl ?? `file:${resolve(base.dataDir, 'parley.db')}`;
  return { ...base, dbUrl, ...(configFile ? { configFile } : {}) };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`PARLEY_CONFIG: cannot read ${path} (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`PARLEY_CONFIG: ${path} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`PARLEY_CONFIG: ${path} must hold a JSON object`);
  }
  const unknownKeys = Object.keys(value).filter((key) => !(key in settings));
  if (unknownKeys.length > 0) {
    throw new ConfigError(
      `PARLEY_CONFIG: unknown keys ${unknownKeys.join(', ')} in ${path}; allowed: ${Object.keys(settings).join(', ')}`,
    );
  }
  return value as Record<string, unknown>;
}
