export { type CompletionBody, generationRequest, serveCompletion } from './completions.ts';
export { providerApiError, providerApiErrors } from './errors.ts';
export { engineInfo, type ProviderApp, type ProviderAppOptions, providerApp } from './http.ts';
export {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequest,
  type CompletionRequest,
  chatCompletionChunkSchema,
  chatCompletionSchema,
  chatRequestSchema,
  completionRequestSchema,
  healthSchema,
  modelListSchema,
  type ProviderInfo,
  providerInfoSchema,
  type TextCompletion,
  textCompletionSchema,
  type Usage,
} from './schemas.ts';
