import { AgentCard, type AgentSkill, canonicalizeAgentCard, type SecurityRequirement } from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { type A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { ProtocolContext } from '../gateway/context.ts';
import type { Principal } from '../identity/index.ts';
import type { PushSigner } from './push-sender.ts';
import { skillExamples } from './requests.ts';
import { callerLimitsExtensionUri, type SkillName, x402ExtensionUri } from './schemas.ts';

const io = ['application/json', 'text/plain'];

const skillDescriptions: Record<SkillName, { name: string; description: string; tags: string[] }> = {
  wallet: {
    name: 'Wallet',
    description:
      'Balances in every asset (TNZO 18 decimals, USDC and USDT 6), transfers to other identities within your delegation (operation transfer, asset, max_transaction_value, max_daily_spend), and the development faucet. Data part {"skill":"wallet","action":"balances"|"transfer"|"faucet",…}.',
    tags: ['wallet', 'balances', 'transfer', 'ledger'],
  },
  identity: {
    name: 'Identity',
    description:
      'DID resolution (did:parley, did:key), identity lookup, registration challenges and self-proving registrations, UCAN-style delegations (issue, read, revoke). Data part {"skill":"identity","action":"resolve"|"get"|"challenge"|"register"|"delegate"|"delegation"|"revokeDelegation",…}.',
    tags: ['did', 'identity', 'delegation'],
  },
  inference: {
    name: 'Inference',
    description:
      'Model discovery and chat or text completions routed to GPU providers, streamed token by token as artifact chunks and metered per token. Priced models ask for payment the a2a-x402 way: the task goes input-required with x402.payment.required (scheme parley-channel) and continues when you reply with a signed channel voucher; the final status carries the signed receipt. Data part: an OpenAI request body plus {"skill":"inference","action":"chat"|"completion"}, or {"action":"models"}.',
    tags: ['inference', 'llm', 'completion', 'models', 'x402'],
  },
  settlement: {
    name: 'Settlement',
    description:
      'Payment channels: open (deposit into escrow), read, hand over a voucher, top up, close cooperatively with a final state or unilaterally (challenge window). Data part {"skill":"settlement","action":"open"|"get"|"voucher"|"topup"|"close",…}.',
    tags: ['payments', 'channels', 'settlement', 'vouchers'],
  },
  verification: {
    name: 'Verification',
    description:
      'Inference proofs: checks a receipt\'s Ed25519 signature against this gateway\'s key and against the channel\'s charges. TEE evidence (SEV-SNP, TDX, Nitro, NVIDIA) is appraised as POST /v1/attestations/verify does: data part {"skill":"verification","action":"attestation","platform":"nitro","evidence":"<base64>","expected":{…}}. Data part {"skill":"verification","action":"receipt","receipt":{…}}.',
    tags: ['verification', 'receipts', 'proofs', 'tee'],
  },
};

const callerSecurity: SecurityRequirement[] = [
  { schemes: { apiKey: { list: [] } } },
  { schemes: { httpSignature: { list: [] } } },
];

function skills(): AgentSkill[] {
  return (Object.keys(skillDescriptions) as SkillName[]).map((id) => ({
    id,
    ...skillDescriptions[id],
    examples: skillExamples[id],
    inputModes: io,
    outputModes: io,
    securityRequirements: callerSecurity,
  }));
}

/** Parley's agent card, with its endpoints under `baseUrl` (the origin the caller reached). */
export function agentCard(context: ProtocolContext, baseUrl: string): AgentCard {
  const endpoint = `${baseUrl}/a2a`;
  return {
    name: 'Parley',
    description:
      'Agent-native inference gateway: routes inference to GPU providers and bills per token over payment channels, with DID identities, delegation scopes and a signed ledger. Every request is authenticated; skills act within your delegation.',
    supportedInterfaces: [
      { url: endpoint, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: endpoint, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: { organization: 'Parley', url: baseUrl },
    version: context.version,
    documentationUrl: `${baseUrl}/docs`,
    capabilities: {
      streaming: true,
      pushNotifications: true,
      extendedAgentCard: true,
      extensions: [
        {
          uri: x402ExtensionUri,
          description:
            'Paid skills ask for payment with x402 over A2A (scheme parley-channel: a signed channel voucher).',
          required: false,
          params: { schemes: ['parley-channel'], network: context.publicKey },
        },
      ],
    },
    securitySchemes: {
      apiKey: {
        scheme: {
          $case: 'httpAuthSecurityScheme',
          value: {
            scheme: 'Bearer',
            bearerFormat: 'parley_…',
            description: 'An API key from POST /v1/api-keys, optionally bound to a delegation',
          },
        },
      },
      httpSignature: {
        scheme: {
          $case: 'apiKeySecurityScheme',
          value: {
            location: 'header',
            name: 'Signature',
            description:
              'RFC 9421 Ed25519 signature (label "parley") by a registered key over @method @path @query @authority content-digest, with Signature-Input; Parley-Delegation names the delegation acted under',
          },
        },
      },
    },
    securityRequirements: callerSecurity,
    defaultInputModes: io,
    defaultOutputModes: io,
    skills: skills(),
    signatures: [],
  };
}

/** What the authenticated caller may still do: its delegation, spending and balances. */
export function callerLimits(context: ProtocolContext, principal: Principal): Record<string, unknown> {
  if (principal.admin) return { admin: true, note: 'The admin token is unrestricted and holds no funds.' };
  const { ledger, assets } = context.channels;
  const since = context.clock.now() - 24 * 60 * 60 * 1000;
  const spentLast24h = Object.fromEntries(
    assets.list().map(({ symbol }) => [symbol, ledger.spentSince(principal.did, symbol, since).toString()]),
  );
  return {
    did: principal.did,
    kind: principal.kind,
    status: principal.status,
    authenticatedVia: principal.via,
    delegationId: principal.scope.delegationId ?? null,
    policy: principal.scope.policy,
    unrestricted: Object.keys(principal.scope.policy).length === 0,
    spentLast24h,
    balances: Object.fromEntries(
      ledger.balances(principal.did).map(({ asset, amount }) => [asset, amount.toString()]),
    ),
  };
}

/** The card as the authenticated caller sees it: the same, plus its own limits as an extension. */
export function extendedAgentCard(
  context: ProtocolContext,
  baseUrl: string,
  principal: Principal,
): AgentCard {
  const card = agentCard(context, baseUrl);
  card.capabilities?.extensions.push({
    uri: callerLimitsExtensionUri,
    description:
      'Your identity, the delegation you act under, what you spent in the last 24 h and your balances',
    required: false,
    params: callerLimits(context, principal),
  });
  return card;
}

/**
 * The card with a JWS by the gateway key (A2A §8.4): flattened, EdDSA, `kid` the gateway's did:key,
 * over the RFC 8785 canonical form of the card without its signatures, as the SDK's
 * `verifyAgentCardSignature` checks it.
 */
export function signedCard(card: AgentCard, signer: PushSigner): AgentCard {
  const encode = (text: string) => Buffer.from(text).toString('base64url');
  const header = encode(JSON.stringify({ alg: 'EdDSA', kid: signer.keyId, typ: 'JOSE' }));
  const signingInput = `${header}.${encode(canonicalizeAgentCard(card))}`;
  const signature = Buffer.from(signer.sign(new TextEncoder().encode(signingInput))).toString('base64url');
  return { ...card, signatures: [{ protected: header, signature, header: undefined }] };
}

/** The card's JSON for A2A 1.0 clients. */
export const cardJson = (card: AgentCard) => AgentCard.toJSON(card);

/**
 * The card for 0.3 clients. The SDK translates cards to 0.3 only inside its transports, so its 0.3
 * JSON-RPC transport is asked for it; the 1.0 interfaces ride along as the SDK's own card handler
 * adds them, and 0.3's `stateTransitionHistory` is declared (status messages stay in the history).
 */
export async function legacyCardJson(card: AgentCard): Promise<Record<string, unknown>> {
  const source = { getAgentCard: async () => card, getAuthenticatedExtendedAgentCard: async () => card };
  const transport = new LegacyJsonRpcTransportHandler(source as unknown as A2ARequestHandler);
  const response = (await transport.handle(
    { jsonrpc: '2.0', id: 0, method: 'agent/getAuthenticatedExtendedCard' },
    new ServerCallContext(),
  )) as { result?: Record<string, unknown>; error?: { message: string } };
  if (!response.result) throw new Error(`cannot translate the agent card: ${response.error?.message}`);
  const capabilities = (response.result.capabilities ?? {}) as Record<string, unknown>;
  return {
    ...response.result,
    capabilities: { ...capabilities, stateTransitionHistory: true },
    supportedInterfaces: (cardJson(card) as { supportedInterfaces?: unknown }).supportedInterfaces,
  };
}
