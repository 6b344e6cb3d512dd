import type { z } from 'zod';
import { errorBodySchema as errorBody } from './errors.ts';

/** Helpers for `createRoute` definitions, so every area documents bodies and errors alike. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const descriptions: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing or bad credentials',
  403: 'Not allowed, or outside the delegated scope',
  404: 'Not found',
  409: 'Conflicts with the current state',
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        content: { 'application/json': { schema: errorBody } },
      },
    ]),
  );
}

/** Routes that need a caller: an API key or an RFC 9421 signed request (schemes registered by the gateway). */
export const callerSecurity: Array<Record<string, string[]>> = [{ apiKey: [] }, { httpSignature: [] }];
