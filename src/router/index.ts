export { servedModels } from './candidates.ts';
export {
  type BreakerConfig,
  type BreakerPermit,
  type BreakerSnapshot,
  type BreakerState,
  type BreakerTransition,
  CircuitBreakers,
  defaultBreakerConfig,
} from './circuit-breaker.ts';
export { checkProviderEndpoint } from './endpoint-policy.ts';
export { routerErrors } from './errors.ts';
export {
  type AttemptOutcome,
  type Forwarded,
  type ForwardOptions,
  forward,
  NoUpstreamError,
  type Upstream,
} from './forward.ts';
export { HealthTracker, type ProviderStatus, statusOf } from './health.ts';
export { type RouterServices, routerRoutes } from './http.ts';
export { inferenceRoutes } from './http-inference.ts';
export { quoteNow } from './http-quote.ts';
export { type ForwardingConfig, type InferenceDeps, inferenceOperations } from './inference.ts';
export { type Candidate, filterPool, type PoolRequirements } from './pool.ts';
export {
  costOfTokens,
  defaultPriceTable,
  type PriceOracle,
  type PriceTable,
  priceTableSchema,
  pricingErrors,
  type Quote,
  type QuoteContext,
  quote,
  StaticPriceOracle,
} from './pricing.ts';
export { type ProbeResult, probeProviders } from './probe.ts';
export { ModelRegistry, minimumStakeTnzo } from './registry.ts';
export { createRouterServices, type RouterConfig } from './services.ts';
export { type SlashReason, StakeService, slashingPolicy, stakeAccount, unbondingMs } from './stake.ts';
export {
  defaultWeights,
  type RoutingDecision,
  type RoutingOptions,
  type RoutingRequest,
  type RoutingStrategy,
  routingStrategySchema,
  selectProvider,
} from './strategies.ts';
