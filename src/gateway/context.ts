import type { IdentityEnv } from '../identity/index.ts';

/** Variables every request carries through Hono's context. */
export interface AppEnv {
  Variables: {
    requestId: string;
  } & IdentityEnv['Variables'];
}
