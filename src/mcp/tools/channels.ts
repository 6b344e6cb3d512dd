import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { channelErrors } from '../../channels/index.ts';
import type { ProtocolContext } from '../../gateway/context.ts';
import { defineErrors } from '../../shared/index.ts';
import {
  channelOutput,
  closeChannelInput,
  closeChannelOutput,
  getChannelInput,
  openChannelInput,
} from '../schemas.ts';
import { addTool } from '../tool-kit.ts';

const channelError = defineErrors(channelErrors);

/** Payment channels: the service calls behind POST /v1/channels, GET /v1/channels/{id}, POST …/close. */
export function registerChannelTools(server: McpServer, context: ProtocolContext): void {
  const { channels } = context.channels;

  addTool(server, context, {
    name: 'open_channel',
    title: 'Open a payment channel',
    description:
      'Lock a deposit from your balance into escrow for paying chat per token (payee: the gateway). The ' +
      'channel starts at nonce 0 and expires in 30 days; each paid chat call then carries a voucher signed ' +
      'with your key for the next nonce. Close it with close_channel to get back what was not spent.',
    access: 'private',
    input: openChannelInput,
    output: channelOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: ({ asset, deposit, payee }, call) => {
      const payer = call.account();
      call.authorize({ asset, amount: BigInt(deposit), paymentProtocol: 'parley-channel' });
      return {
        channel: channels.open(payer, { asset, deposit: BigInt(deposit), ...(payee ? { payee } : {}) }),
      };
    },
  });

  addTool(server, context, {
    name: 'get_channel',
    title: 'Get a payment channel',
    description:
      'A channel: deposit, highest voucher (nonce and amount authorized), what was charged, what remains, ' +
      'status (open, closing, closed) and the network key vouchers are signed for. Read it before signing ' +
      'the next voucher: nonce + 1, cumulativeAmount = charged + what the next call may cost.',
    access: 'private',
    input: getChannelInput,
    output: channelOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ channel_id }, call) => {
      call.authorize();
      return { channel: channels.get(channel_id) };
    },
  });

  addTool(server, context, {
    name: 'close_channel',
    title: 'Close a payment channel',
    description:
      'Close your channel. With a payer-signed state that has final: true it closes cooperatively and ' +
      'settles at once (the gateway countersigns); otherwise it starts the 24 h challenge window, after ' +
      'which the payee gets what was receipted and you get the rest back. It cannot be reopened.',
    access: 'private',
    input: closeChannelInput,
    output: closeChannelOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: ({ channel_id, state }, call) => {
      const { principal } = call;
      if (state && state.channelId !== channel_id)
        throw channelError('VOUCHER_WRONG_CHANNEL', { channelId: state.channelId });
      call.authorize();
      if (state?.final) return channels.closeCooperatively(state);
      return {
        channel: channels.closeUnilaterally(channel_id, principal.admin ? undefined : principal.did, state),
      };
    },
  });
}
