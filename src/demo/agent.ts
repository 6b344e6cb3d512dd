import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { signChannelState, voucherHeader } from '../channels/index.ts';
import { generateDidKey } from '../identity/index.ts';
import { GatewayClient, GatewayError } from '../provider/gateway-client.ts';

/** An agent's credentials for one gateway: identity key, API key and its payment channel. */
export const agentFileSchema = z.object({
  gateway: z.url(),
  did: z.string(),
  didKey: z.string(),
  secretKey: z.string().regex(/^[0-9a-f]{64}$/),
  apiKey: z.string(),
  channelId: z.string(),
});
export type AgentFile = z.infer<typeof agentFileSchema>;

/** The agent file at `path`, or an error that says what is wrong with it. */
export function readAgentFile(path: string): AgentFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the agent file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let parsed: ReturnType<typeof agentFileSchema.safeParse>;
  try {
    parsed = agentFileSchema.safeParse(JSON.parse(text));
  } catch {
    throw new Error(`${path} is not JSON; agent files are written by \`parley demo\``);
  }
  if (!parsed.success)
    throw new Error(
      `${path} is not an agent file as \`parley demo\` writes it: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}

interface ChannelState {
  id: string;
  nonce: number;
  charged: string;
  authorized: string;
  network: string;
  status: string;
}

/**
 * Makes sure an agent exists on the gateway with money to spend: reuses the file when the gateway
 * still knows its channel (at this URL or the one the file names: a gateway restarted on another
 * port keeps its agents), opening a new channel when that one is no longer open; otherwise registers
 * a new identity, draws from the faucet, opens a channel of `deposit` and creates an API key.
 * Writes the file (owner-only).
 */
export async function ensureAgent(path: string, gatewayUrl: string, deposit: bigint): Promise<AgentFile> {
  const saved = existsSync(path)
    ? agentFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
    : undefined;
  if (saved?.success) {
    const here = { ...saved.data, gateway: gatewayUrl };
    const client = clientFor(here);
    const channel = await client.get<ChannelState>(`/v1/channels/${here.channelId}`).catch(() => undefined);
    if (channel) {
      const agent =
        channel.status === 'open' ? here : { ...here, channelId: (await openChannel(client, deposit)).id };
      if (agent.gateway !== saved.data.gateway || agent.channelId !== saved.data.channelId)
        write(path, agent);
      return agent;
    }
  }
  const key = generateDidKey();
  const client = new GatewayClient(gatewayUrl, { didKey: key.did, secretKey: key.secretKey });
  const did = await client.registerIdentity(['inference']);
  await client.post('/v1/faucet');
  const channel = await openChannel(client, deposit);
  const { secret } = await client.post<{ secret: string }>('/v1/api-keys', { name: 'demo' });
  const agent: AgentFile = {
    gateway: gatewayUrl,
    did,
    didKey: key.did,
    secretKey: bytesToHex(key.secretKey),
    apiKey: secret,
    channelId: channel.id,
  };
  write(path, agent);
  return agent;
}

/**
 * A fresh `Parley-Voucher` for the agent's channel: the next nonce, authorizing `amount` more than
 * the channel has charged so far (never less than it already authorized: amounts only grow).
 */
export async function nextVoucher(agent: AgentFile, amount: bigint): Promise<string> {
  const client = clientFor(agent);
  const channel = await client.get<ChannelState>(`/v1/channels/${agent.channelId}`);
  if (channel.status !== 'open')
    throw new GatewayError(409, 'CHANNEL_NOT_OPEN', `channel ${channel.id} is ${channel.status}`);
  const state = {
    channelId: channel.id,
    nonce: channel.nonce + 1,
    cumulativeAmount: max(BigInt(channel.authorized), BigInt(channel.charged) + amount).toString(),
    final: false,
  };
  return voucherHeader(
    signChannelState(channel.network, state, `${agent.did}#key-1`, hexToBytes(agent.secretKey)),
  );
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

function clientFor(agent: AgentFile) {
  return new GatewayClient(
    agent.gateway,
    { didKey: agent.didKey, secretKey: hexToBytes(agent.secretKey) },
    agent.did,
  );
}

function openChannel(client: GatewayClient, deposit: bigint) {
  return client.post<{ id: string }>('/v1/channels', { asset: 'TNZO', deposit: deposit.toString() });
}

function write(path: string, agent: AgentFile) {
  writeFileSync(path, `${JSON.stringify(agent, null, 2)}\n`, { mode: 0o600 });
}
