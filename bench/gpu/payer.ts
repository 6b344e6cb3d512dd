import { signChannelState, voucherHeader } from '../../src/channels/index.ts';
import { ensureAgent } from '../../src/demo/agent.ts';
import { GatewayClient } from '../../src/provider/gateway-client.ts';

const TNZO = 10n ** 18n;
/** Authorized per request: far above what a bench request costs (price 10⁹ a token), far below a deposit. */
const perRequest = 10n ** 13n;

export interface Payer {
  /** Headers of one paid request on `stream`'s own channel: API key and a fresh voucher. */
  headers(stream: number): Record<string, string>;
}

/** An agent with one channel per concurrent stream, so vouchers never race on a nonce. */
export async function payer(gatewayUrl: string, agentPath: string, streams: number): Promise<Payer> {
  const agent = await ensureAgent(agentPath, gatewayUrl, 10n * TNZO);
  const secretKey = Buffer.from(agent.secretKey, 'hex');
  const client = new GatewayClient(gatewayUrl, { didKey: agent.didKey, secretKey }, agent.did);
  const channels = [{ id: agent.channelId, nonce: 0, authorized: 0n }];
  for (let i = 1; i < streams; i++) {
    const opened = await client.post<{ id: string }>('/v1/channels', {
      asset: 'TNZO',
      deposit: TNZO.toString(),
    });
    channels.push({ id: opened.id, nonce: 0, authorized: 0n });
  }
  const { publicKey } = await client.get<{ publicKey: string }>('/v1/gateway');
  return {
    headers(stream) {
      const channel = channels[stream] as (typeof channels)[number];
      channel.nonce++;
      channel.authorized += perRequest;
      const state = {
        channelId: channel.id,
        nonce: channel.nonce,
        cumulativeAmount: channel.authorized.toString(),
        final: false,
      };
      return {
        authorization: `Bearer ${agent.apiKey}`,
        'parley-voucher': voucherHeader(signChannelState(publicKey, state, `${agent.did}#key-1`, secretKey)),
      };
    },
  };
}
