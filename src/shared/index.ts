export { signedBytes } from './canonical.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { ed25519Signer, verifyEd25519 } from './ed25519.ts';
export {
  AppError,
  defineErrors,
  type ErrorBody,
  type ErrorDetails,
  type ErrorSpec,
  errorBodySchema,
  fetchFailure,
  schemaFailure,
} from './errors.ts';
export { atomicAmountSchema, formatUnits, parseUnits, positiveAmountSchema } from './money.ts';
export { once } from './once.ts';
export { openAiChatFields, openAiCompletionFields, openAiSamplingFields } from './openai-wire.ts';
export { callerSecurity, errorResponses, jsonBody, jsonResponse } from './openapi.ts';
export { cryptoRng, type Rng, randomId, seededRng } from './random.ts';
export { requestHeader } from './request-header.ts';
export {
  fetchSend,
  httpSend,
  prepend,
  readAll,
  type UpstreamBody,
  type UpstreamResponse,
  type UpstreamSend,
} from './upstream.ts';
export { parleyVersion } from './version.ts';
