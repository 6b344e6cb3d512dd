import type { DidDocument } from './did-key.ts';
import type { IdentityView } from './schemas.ts';

/** The W3C DID document of a did:parley identity: its keys, controller, services and Parley status. */
export function didDocument(view: IdentityView): DidDocument {
  const methods = view.keys.map((key) => {
    const multibase = key.didKey.slice('did:key:'.length);
    return { id: key.id, type: 'Multikey', controller: view.did, publicKeyMultibase: multibase };
  });
  const ids = methods.map((method) => method.id);
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: view.did,
    ...(view.controller ? { controller: view.controller } : {}),
    verificationMethod: methods,
    authentication: ids,
    assertionMethod: ids,
    capabilityDelegation: ids,
    capabilityInvocation: ids,
    service: view.services.map((service) => ({ ...service, id: `${view.did}${service.id}` })),
    parley: { kind: view.kind, status: view.status, capabilities: view.capabilities },
  } as DidDocument;
}
