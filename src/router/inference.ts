import type { ChannelService, SignedState } from '../channels/index.ts';
import { decodeVoucher, signedStateSchema, stateTag } from '../channels/index.ts';
import { authorizeFor, type Principal } from '../identity/index.ts';
import { affordableTokens, type Offer, offersFor } from './candidates.ts';
import { routerError } from './errors.ts';
import type { RouterServices } from './http.ts';
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from './openai-schemas.ts';
import type { ModelView } from './schemas.ts';
import { type RoutingStrategy, routingStrategySchema, selectProvider } from './strategies.ts';

export type InferenceKind = 'chat' | 'completion' | 'embedding';
export type InferenceBody = ChatRequest | CompletionRequest | EmbeddingRequest;

export const inferencePaths: Record<InferenceKind, string> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
  embedding: '/v1/embeddings',
};

/** The delegation operation each kind of request needs (`allowed_operations`). */
export const inferenceOperations: Record<InferenceKind, string> = {
  chat: 'inference.chat',
  completion: 'inference.completion',
  embedding: 'inference.embedding',
};

export interface ForwardingConfig {
  defaultStrategy: RoutingStrategy;
  /** Providers tried at most per request. */
  maxAttempts: number;
  /** Time one provider has to send its first token. */
  attemptTimeoutMs: number;
  /** Time all attempts together have before the first token. */
  deadlineMs: number;
}

export interface InferenceDeps {
  router: RouterServices;
  channels: ChannelService;
  /** The account paid channels must be opened to (the gateway's hub). */
  hub: string;
  forwarding: ForwardingConfig;
  fetch?: typeof fetch;
}

/** The part of a channel's authorization one request holds, spent through a Meter. */
export interface Hold {
  channelId: string;
  asset: string;
  budget: bigint;
}

/** An admitted request: who may serve it, in failover order, and how it is paid. */
export interface Admission {
  kind: InferenceKind;
  model: ModelView;
  offers: Offer[];
  asset: string;
  hold?: Hold;
  /** The most output tokens the hold pays for at the dearest provider tried; undefined = no limit. */
  tokenCap?: number;
}

export interface InferenceCall {
  kind: InferenceKind;
  body: InferenceBody;
  principal: Principal;
  voucher: string | undefined;
  routingHeader: string | undefined;
}

/**
 * The requested model, or 404; a priced model called without a voucher answers 402 with the terms
 * (before authentication, so an agent learns how to pay before it has credentials).
 */
export function pricedModel(deps: InferenceDeps, modelId: string, voucher: string | undefined): ModelView {
  const model = deps.router.registry.model(modelId);
  if (!voucher && BigInt(model.price_per_token) > 0n)
    throw routerError('PAYMENT_REQUIRED', paymentTerms(deps, model));
  return model;
}

/**
 * Everything that must hold before a provider sees the request, after `pricedModel`: the caller is
 * within its delegation for this operation, model, payment protocol and amount; the voucher is the
 * caller's, for a channel to the gateway, and is accepted durably; some provider is in the pool.
 */
export function admit(deps: InferenceDeps, call: InferenceCall, model: ModelView): Admission {
  const { router, channels } = deps;
  const { principal } = call;
  const priced = BigInt(model.price_per_token) > 0n;
  const voucher = call.voucher && priced ? readVoucher(call.voucher) : undefined;
  const channel = voucher ? channels.parties(voucher.channelId) : undefined;
  if (channel && ((!principal.admin && channel.payer !== principal.did) || channel.payee !== deps.hub)) {
    throw routerError('CHANNEL_NOT_USABLE', { channelId: voucher?.channelId, payee: channel.payee });
  }
  const asset = channel?.asset ?? 'TNZO';
  const policy = principal.admin ? {} : principal.scope.policy;
  if (!principal.admin)
    authorizeFor(router.identity, principal, principal.did, {
      operation: inferenceOperations[call.kind],
      model: model.model_id,
      ...(channel && voucher
        ? {
            paymentProtocol: 'parley-channel',
            asset,
            amount: BigInt(voucher.cumulativeAmount) - channel.charged,
            escrowed: true,
          }
        : {}),
    });

  const offers = rankOffers(deps, call, model, asset, policy);
  if (!channel || !voucher) return { kind: call.kind, model, offers, asset };

  const accepted = channels.acceptVoucher(voucher);
  const hold = { channelId: voucher.channelId, asset, budget: channels.hold(voucher.channelId, accepted) };
  const caps = offers.map((offer) => affordableTokens(offer.costOf, hold.budget));
  const tokenCap = caps.reduce<number | undefined>(
    (least, cap) => (cap === undefined ? least : least === undefined ? cap : Math.min(least, cap)),
    undefined,
  );
  const needed = call.kind === 'embedding' ? inputTokenBound(call.body as EmbeddingRequest) : 1;
  if (tokenCap !== undefined && tokenCap < needed) {
    channels.release(hold.channelId, hold.budget);
    throw routerError('PAYMENT_INSUFFICIENT', {
      channelId: hold.channelId,
      available: hold.budget.toString(),
      tokensAffordable: tokenCap,
      tokensNeeded: needed,
      pricePerToken: offers
        .map((offer) => offer.candidate.pricePerToken)
        .reduce(max)
        .toString(),
    });
  }
  return { kind: call.kind, model, offers, asset, hold, ...(tokenCap !== undefined ? { tokenCap } : {}) };
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The routing step of every inference request: the model's offers (price at each provider's load,
 * health, breaker, stake, TEE), the pool the model and the caller's delegation allow, and the first
 * `maxAttempts` of the strategy's failover order.
 */
export function rankOffers(
  deps: Pick<InferenceDeps, 'router' | 'forwarding'>,
  call: Pick<InferenceCall, 'body' | 'routingHeader'>,
  model: ModelView,
  asset: string,
  policy: { allowed_models?: string[]; allowed_providers?: string[] },
): Offer[] {
  const routing = call.body.routing;
  const header = call.routingHeader ? routingStrategySchema.safeParse(call.routingHeader) : undefined;
  if (header && !header.success)
    throw routerError('ROUTING_INVALID', {
      header: 'Parley-Routing',
      allowed: routingStrategySchema.options,
    });
  const strategy = routing?.strategy ?? header?.data ?? deps.forwarding.defaultStrategy;
  const offers = offersFor(deps.router, model, asset);
  const decision = selectProvider(
    offers.map((offer) => offer.candidate),
    {
      teeRequired: model.tee_required,
      minimumStake: BigInt(model.min_stake),
      ...(policy.allowed_models ? { allowedModels: policy.allowed_models } : {}),
      ...(policy.allowed_providers ? { allowedProviders: policy.allowed_providers } : {}),
      ...(routing?.deadline_ms ? { deadlineMs: routing.deadline_ms } : {}),
      expectedOutputTokens: expectedTokens(call.body),
    },
    { strategy, rng: deps.router.rng, ranked: true, limit: deps.forwarding.maxAttempts },
  );
  if (decision.ranked.length === 0) {
    throw routerError('NO_PROVIDER_AVAILABLE', {
      model: model.model_id,
      excluded: decision.excluded.map(({ providerId, reason }) => ({ providerId, reason })),
    });
  }
  return decision.ranked.map(
    ({ candidate }) => offers.find((offer) => offer.candidate === candidate) as Offer,
  );
}

function expectedTokens(body: InferenceBody): number {
  if ('max_tokens' in body && typeof body.max_tokens === 'number') return body.max_tokens;
  if ('max_completion_tokens' in body && typeof body.max_completion_tokens === 'number')
    return body.max_completion_tokens;
  return 256;
}

/** Byte-level tokenizers never make more tokens than bytes (plus a few special ones per input). */
function inputTokenBound(body: EmbeddingRequest): number {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  return inputs.reduce((sum, input) => sum + Buffer.byteLength(input) + 2, 0);
}

function readVoucher(header: string): SignedState {
  const parsed = signedStateSchema.safeParse(decodeVoucher(header));
  if (!parsed.success)
    throw routerError('VOUCHER_UNREADABLE', {
      header: 'Parley-Voucher',
      expected: 'base64url of a JSON SignedChannelState',
      issues: parsed.error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
    });
  return parsed.data;
}

/** What a 402 tells an agent: what the model costs and exactly how to pay for it. */
export function paymentTerms(deps: InferenceDeps, model: ModelView) {
  const offers = offersFor(deps.router, model);
  const prices = offers.map((offer) => offer.candidate.pricePerToken);
  return {
    model: model.model_id,
    payment: {
      scheme: 'parley-channel',
      asset: 'TNZO',
      otherAssets: 'open the channel in USDC or USDT to pay in them (prices: /v1/quote?asset=USDC)',
      pricePerOutputToken: {
        min: (prices.length ? prices.reduce(min) : BigInt(model.price_per_token)).toString(),
        max: (prices.length ? prices.reduce(max) : BigInt(model.price_per_token)).toString(),
      },
      payee: deps.hub,
      network: deps.channels.network,
      steps: [
        'Authenticate: register a DID (POST /v1/identities) and use an API key or signed requests.',
        'Fund: POST /v1/faucet on development gateways, or receive a transfer.',
        'Open a channel: POST /v1/channels {"asset":"TNZO","deposit":"…"} (payee defaults to the gateway).',
        `Sign a voucher: Ed25519 over "${stateTag}\\n" + RFC 8785 JSON of {network, channelId, nonce, cumulativeAmount, final:false}, with a nonce above the channel's and cumulativeAmount = what is charged so far + what this request may cost.`,
        'Send it base64url-encoded (JSON with keyId and signature) in the Parley-Voucher header; the receipt comes back in Parley-Receipt (or the last stream chunk).',
      ],
      quote: `/v1/quote?model=${encodeURIComponent(model.model_id)}&tokens=256`,
    },
  };
}
