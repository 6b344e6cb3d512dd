export { escrowAccount, systemAccounts } from './accounts.ts';
export { type Asset, AssetRegistry, defaultAssets } from './assets.ts';
export type { ChannelView } from './channel-view.ts';
export { ChannelService } from './channels.ts';
export { signChannelState, voucherHeader } from './client.ts';
export { channelErrors } from './errors.ts';
export { type ChannelServices, channelRoutes } from './http.ts';
export { type BlockView, Ledger, type LedgerSigner, type Posting } from './ledger.ts';
export { Meter } from './meter.ts';
export { type FaucetConfig, Payments } from './payments.ts';
export { type ChannelConfig, createChannelServices } from './services.ts';
export {
  commissionOf,
  decodeVoucher,
  encodeVoucher,
  type Receipt,
  receiptBytes,
  type SignedState,
  signedStateSchema,
  stateBytes,
  stateTag,
} from './state.ts';
export { type LedgerReport, verifyLedger } from './verify.ts';
