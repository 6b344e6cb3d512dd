export { type Clock, ManualClock, systemClock } from './clock.ts';
export {
  AppError,
  defineErrors,
  type ErrorBody,
  type ErrorDetails,
  type ErrorSpec,
  errorBodySchema,
} from './errors.ts';
export { errorResponses, jsonBody, jsonResponse } from './openapi.ts';
export { cryptoRng, type Rng, randomId, seededRng } from './random.ts';
export { parleyVersion } from './version.ts';
