/** Ledger account names: identities by DID, and the system's own accounts. */
export const systemAccounts = {
  /** Where deposits and faucet grants come from and withdrawals go: the only account that may go negative. */
  issuance: 'system:issuance',
  treasury: 'system:treasury',
  burn: 'system:burn',
  stakers: 'system:stakers',
  /** The gateway as payee of agents' channels; it pays providers from here. */
  hub: 'system:hub',
} as const;

export const escrowAccount = (channelId: string) => `escrow:${channelId}`;

export function mayGoNegative(account: string): boolean {
  return account === systemAccounts.issuance;
}
