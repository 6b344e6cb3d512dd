export { ApiKeyService } from './api-keys.ts';
export { Authenticator, type Principal } from './authenticate.ts';
export { signDelegation, signedRequestHeaders, signRegistration } from './client.ts';
export { DelegationService, delegationBytes, delegationId } from './delegations.ts';
export { didKeyFromPublicKey, generateDidKey, publicKeyFromDidKey, resolveDidKey } from './did-key.ts';
export { identityErrors } from './errors.ts';
export {
  authenticate,
  authorizeFor,
  type IdentityEnv,
  type IdentityServices,
  identityRoutes,
  requirePrincipal,
} from './http.ts';
export { signRequest } from './http-signatures.ts';
export { readKeyFile, writeNewKeyFile } from './key-file.ts';
export { IdentityRegistry } from './registry.ts';
export { enforceScope, type Scope, type ScopedRequest, type SpendHistory } from './scope.ts';
export { createIdentityServices, type IdentityConfig } from './services.ts';
export { WalletService } from './wallets.ts';
