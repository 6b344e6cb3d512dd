import { channelErrors } from '../../channels/index.ts';
import { authorizeFor } from '../../identity/index.ts';
import { defineErrors } from '../../shared/index.ts';
import type { RequestOf, SkillCall, SkillResult } from './types.ts';

const channelError = defineErrors(channelErrors);

/** Payment channels, with the checks of /v1/channels and its sub-routes. */
export function runSettlement(
  { context, principal }: SkillCall,
  request: RequestOf<'settlement'>,
): SkillResult {
  const { channels, identity } = context.channels;
  const sameChannel = (id: string, channelId: string) => {
    if (id !== channelId) throw channelError('VOUCHER_WRONG_CHANNEL', { channelId });
  };
  switch (request.action) {
    case 'open': {
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const deposit = BigInt(request.deposit);
      authorizeFor(identity, principal, principal.did, {
        operation: 'channel.open',
        asset: request.asset,
        amount: deposit,
        paymentProtocol: 'parley-channel',
      });
      const channel = channels.open(principal.did, {
        asset: request.asset,
        deposit,
        ...(request.payee ? { payee: request.payee } : {}),
      });
      return {
        name: 'channel',
        summary: `Opened channel ${channel.id} with ${channel.deposit} atomic ${channel.asset}.`,
        data: channel,
      };
    }
    case 'get': {
      const channel = channels.get(request.channelId);
      return {
        name: 'channel',
        summary: `Channel ${channel.id} is ${channel.status}; ${channel.charged} charged of ${channel.deposit}.`,
        data: channel,
      };
    }
    case 'voucher': {
      channels.acceptVoucher(request.state);
      const channel = channels.get(request.state.channelId);
      return {
        name: 'channel',
        summary: `Accepted voucher ${channel.nonce} on ${channel.id}.`,
        data: channel,
      };
    }
    case 'topup': {
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const amount = BigInt(request.amount);
      const current = channels.get(request.channelId);
      authorizeFor(identity, principal, principal.did, {
        operation: 'channel.topup',
        asset: current.asset,
        amount,
        paymentProtocol: 'parley-channel',
      });
      const channel = channels.topUp(request.channelId, principal.did, amount);
      return {
        name: 'channel',
        summary: `Channel ${channel.id} now holds ${channel.deposit}.`,
        data: channel,
      };
    }
    case 'close': {
      const { channelId, state } = request;
      if (state) sameChannel(channelId, state.channelId);
      if (!principal.admin) authorizeFor(identity, principal, principal.did, { operation: 'channel.close' });
      if (state?.final) {
        const closed = channels.closeCooperatively(state);
        return {
          name: 'channel',
          summary: `Closed ${channelId} cooperatively and settled it.`,
          data: closed,
        };
      }
      const channel = channels.closeUnilaterally(
        channelId,
        principal.admin ? undefined : principal.did,
        state,
      );
      return {
        name: 'channel',
        summary: `Closing ${channelId}: the challenge window ends ${channel.challengeEndsAt}.`,
        data: { channel },
      };
    }
  }
}
