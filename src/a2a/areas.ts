/**
 * What A2A uses from other areas that their `index.ts` does not export yet: the request schemas their
 * routes validate with (so a skill accepts exactly what the route accepts) and the inference path
 * the OpenAI-compatible routes take. Kept in this one file so that moving these exports into the
 * areas' `index.ts` is a one-file change here.
 */
export { closeChannelSchema, openChannelSchema, topUpSchema, transferSchema } from '../channels/schemas.ts';
export { issueDelegationSchema, registerIdentitySchema } from '../identity/schemas.ts';
export { admit, type InferenceBody, type InferenceKind, pricedModel } from '../router/inference.ts';
export {
  chatRequestSchema,
  completionRequestSchema,
  parleyBillingSchema,
} from '../router/openai-schemas.ts';
export { type Billing, serve } from '../router/relay.ts';
export { modelQuerySchema } from '../router/schemas.ts';
