import { z } from 'zod';

export { errorBodySchema } from '../shared/index.ts';

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readinessSchema = z
  .object({
    status: z.literal('ready'),
    checks: z.object({ database: z.literal('ok'), migrations: z.literal('ok') }),
  })
  .meta({ id: 'Readiness' });

export const gatewayInfoSchema = z
  .object({
    name: z.literal('parley'),
    version: z.string(),
    publicKey: z
      .string()
      .meta({ description: 'Ed25519 public key (hex) that signs receipts and ledger blocks.' }),
    startedAt: z.iso.datetime(),
    boots: z.number().int().meta({ description: 'How many times a gateway has started on this database.' }),
  })
  .meta({ id: 'GatewayInfo' });

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const setLogLevelSchema = z.object({ level: logLevelSchema }).meta({ id: 'SetLogLevel' });
