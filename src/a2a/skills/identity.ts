import type { RequestOf, SkillCall, SkillResult } from './types.ts';

/** DIDs and delegations, as /v1/dids, /v1/identities and /v1/delegations do them. */
export function runIdentity({ context, principal }: SkillCall, request: RequestOf<'identity'>): SkillResult {
  const { registry, delegations } = context.identity;
  switch (request.action) {
    case 'resolve': {
      const document = registry.resolve(request.did);
      return { name: 'did-document', summary: `Resolved ${request.did}.`, data: document };
    }
    case 'get': {
      const identity = registry.get(request.did);
      return { name: 'identity', summary: `${identity.did} is ${identity.status}.`, data: identity };
    }
    case 'challenge': {
      const { challenge, expiresAt } = registry.createChallenge();
      const data = { challenge, expiresAt: new Date(expiresAt).toISOString() };
      return { name: 'challenge', summary: 'Sign this challenge in a registration within 10 minutes.', data };
    }
    case 'register': {
      const identity = registry.register(request.registration);
      return {
        name: 'identity',
        summary: `Registered ${identity.did} (${identity.status}).`,
        data: identity,
      };
    }
    case 'delegate': {
      const delegation = delegations.issue(request.delegation);
      return { name: 'delegation', summary: `Recorded delegation ${delegation.id}.`, data: delegation };
    }
    case 'delegation': {
      const delegation = delegations.get(request.id);
      return { name: 'delegation', summary: `Delegation ${delegation.id}.`, data: delegation };
    }
    case 'revokeDelegation': {
      const actor = principal.admin ? { admin: true as const } : { did: principal.did };
      const delegation = delegations.revoke(request.id, actor);
      return { name: 'delegation', summary: `Revoked delegation ${delegation.id}.`, data: delegation };
    }
  }
}
