import { channelErrors } from '../../channels/index.ts';
import { authorizeFor } from '../../identity/index.ts';
import { defineErrors, formatUnits } from '../../shared/index.ts';
import { a2aError } from '../errors.ts';
import type { RequestOf, SkillCall, SkillResult } from './types.ts';

const channelError = defineErrors(channelErrors);

/** Balances, transfers and the faucet, with the checks of GET /v1/accounts/…, POST /v1/transfers, /v1/faucet. */
export function runWallet({ context, principal }: SkillCall, request: RequestOf<'wallet'>): SkillResult {
  const { ledger, payments, assets, identity } = context.channels;
  switch (request.action) {
    case 'balances': {
      const did = request.did ?? (principal.admin ? undefined : principal.did);
      if (!did)
        throw a2aError('SKILL_REQUEST_INVALID', { field: 'did' }, 'An admin must name the identity (did).');
      const balances = ledger.balances(did).map(({ asset, amount }) => {
        const decimals = assets.find(asset)?.decimals ?? 0;
        return { asset, decimals, amount: amount.toString(), formatted: formatUnits(amount, decimals) };
      });
      const listed = balances.map((b) => `${b.formatted} ${b.asset}`).join(', ') || 'nothing';
      return { name: 'balances', summary: `${did} holds ${listed}.`, data: { account: did, balances } };
    }
    case 'transfer': {
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const amount = BigInt(request.amount);
      authorizeFor(identity, principal, principal.did, {
        operation: 'transfer',
        asset: request.asset,
        amount,
        paymentProtocol: 'ledger',
      });
      const block = payments.transfer(principal.did, request.to, request.asset, amount, request.memo);
      return {
        name: 'transfer',
        summary: `Moved ${request.amount} atomic ${request.asset} to ${request.to} (ledger block ${block.height}).`,
        data: block,
      };
    }
    case 'faucet': {
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      authorizeFor(identity, principal, principal.did, { operation: 'faucet', asset: 'TNZO' });
      const block = payments.faucet(principal.did);
      return {
        name: 'faucet',
        summary: `Faucet grant recorded in ledger block ${block.height}.`,
        data: block,
      };
    }
  }
}
