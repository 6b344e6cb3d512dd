/**
 * What the MCP tools need from other areas that those areas' index.ts files do not export yet: the
 * inference path the OpenAI-compatible routes take, and the wire schemas of the HTTP routes the tools
 * mirror. Kept in this one file so that, once the areas export them, only these lines change.
 */
export { blockBytes } from '../channels/ledger.ts';
export { blockSchema, channelSchema } from '../channels/schemas.ts';
export { createdWalletSchema, identitySchema, registerIdentitySchema } from '../identity/schemas.ts';
export { admit, pricedModel } from '../router/inference.ts';
export { type ChatRequest, chatRequestSchema, parleyBillingSchema } from '../router/openai-schemas.ts';
export { serve } from '../router/relay.ts';
export { type ModelView, modelSchema, type ProviderView, providerSchema } from '../router/schemas.ts';
