export { escrowAccount, systemAccounts } from './accounts.ts';
export { type Asset, AssetRegistry, defaultAssets } from './assets.ts';
export { channelErrors } from './errors.ts';
export { type ChannelServices, channelRoutes } from './http.ts';
export { type BlockView, Ledger, type LedgerSigner, type Posting } from './ledger.ts';
export { type FaucetConfig, Payments } from './payments.ts';
export { type ChannelConfig, createChannelServices } from './services.ts';
export { type LedgerReport, verifyLedger } from './verify.ts';
