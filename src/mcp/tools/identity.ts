import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ProtocolContext } from '../../gateway/context.ts';
import { generateDidKey, identityErrors, signRegistration } from '../../identity/index.ts';
import { defineErrors } from '../../shared/index.ts';
import { registerIdentitySchema } from '../area-internals.ts';
import { mcpError } from '../errors.ts';
import {
  createWalletInput,
  createWalletOutput,
  registerIdentityInput,
  registerIdentityOutput,
  resolveDidInput,
  resolveDidOutput,
} from '../schemas.ts';
import { addTool } from '../tool-kit.ts';

const identityError = defineErrors(identityErrors);

/** Identities, DID resolution and threshold wallets: the services behind /v1/identities, /v1/dids, /v1/wallets. */
export function registerIdentityTools(server: McpServer, context: ProtocolContext): void {
  const { registry, wallets, apiKeys } = context.identity;

  addTool(server, context, {
    name: 'register_identity',
    title: 'Register an identity',
    description:
      'Create a new Parley identity (a DID). Simplest: omit keys, and the gateway generates an Ed25519 key, ' +
      'registers an autonomous (or human) identity with it, and returns the secret key and an API key for ' +
      'it, both shown once: store them, the gateway keeps no copy. With your own keys (and always for a ' +
      'machine with a controller), send the signed registration as POST /v1/identities takes it.',
    access: 'private',
    input: registerIdentityInput,
    output: registerIdentityOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: (args, call) => {
      call.authorize();
      if (args.keys) {
        const signed = registerIdentitySchema.safeParse({ ...args, services: [] });
        if (!signed.success) {
          throw mcpError('REGISTRATION_INCOMPLETE', {
            issues: signed.error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
          });
        }
        return { identity: registry.register(signed.data) };
      }
      if (args.kind === 'machine') {
        throw identityError(
          'CONTROLLER_INVALID',
          { kind: 'machine' },
          "A machine identity needs its controller's signature: register it with your own keys " +
            '(keys, challenge, proofs, controller, controllerProof).',
        );
      }
      const key = generateDidKey(context.rng.bytes(32));
      const payload = {
        challenge: registry.createChallenge().challenge,
        kind: args.kind,
        keys: [key.did],
        capabilities: args.capabilities,
        services: [],
      };
      const identity = registry.register({
        ...payload,
        proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
        activate: args.activate,
      });
      const apiKey = args.activate ? apiKeys.create({ did: identity.did, name: 'mcp' }) : undefined;
      return {
        identity,
        generatedKey: {
          keyId: identity.keys[0]?.id ?? `${identity.did}#key-1`,
          didKey: key.did,
          secretKey: bytesToHex(key.secretKey),
        },
        ...(apiKey ? { apiKey: { id: apiKey.id, secret: apiKey.secret } } : {}),
      };
    },
  });

  addTool(server, context, {
    name: 'resolve_did',
    title: 'Resolve a DID',
    description:
      'The W3C DID document of a did:parley (its keys, controller, services, and Parley kind, status and ' +
      'capabilities) or of a did:key. Use it to check who an identity is before paying it.',
    access: 'public',
    input: resolveDidInput,
    output: resolveDidOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ did }) => ({ document: registry.resolve(did) }),
  });

  addTool(server, context, {
    name: 'create_wallet',
    title: 'Create a threshold wallet',
    description:
      'Provision a 2-of-3 threshold wallet (FROST Ed25519) for an identity (yours by default): the agent ' +
      'share is returned once, the gateway and recovery shares stay sealed at the gateway; any two sign, ' +
      'and the signatures verify as plain Ed25519 under the wallet public key. Store the agent share.',
    access: 'private',
    input: createWalletInput,
    output: createWalletOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: ({ did }, call) => {
      const { principal } = call;
      const owner = did ?? (principal.admin ? undefined : principal.did);
      if (!owner)
        throw identityError('NOT_PERMITTED', {}, 'An admin must name the identity (did) the wallet is for.');
      call.authorize({}, owner);
      return { wallet: wallets.create(owner) };
    },
  });
}
