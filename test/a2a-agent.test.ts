import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paidInference, type ServedGateway, startGateway } from '../src/a2a/testing.ts';
import { type Receipt, receiptBytes } from '../src/channels/index.ts';
import { verifyEd25519 } from '../src/shared/index.ts';

const agentScript = fileURLToPath(new URL('./support/a2a-agent.ts', import.meta.url));

/** What the agent process prints: the outcome of the task it delegated to Parley. */
interface AgentAnswer {
  state: string;
  text: string;
  receipt: Receipt;
  paymentStatus: string;
  parleyTask: string;
}

/** Runs the SDK-built agent as its own process and reads its one JSON line. */
function runAgent(question: string, env: Record<string, string>) {
  return new Promise<AgentAnswer>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', agentScript, question], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`the agent exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as AgentAnswer);
    });
  });
}

let parley: ServedGateway;
beforeAll(async () => {
  parley = await startGateway();
});
afterAll(() => parley.close());

describe('a second agent process, built with the A2A SDK, delegating to Parley', () => {
  it('buys an inference over A2A with an x402 voucher and gets the text and a receipt Parley signed', async () => {
    const paid = await paidInference(parley);
    try {
      const answer = await runAgent('What is the answer?', {
        PARLEY_URL: parley.url,
        PARLEY_API_KEY: paid.payer.apiKey,
        AGENT_KEY_ID: paid.payer.agent.keyId,
        AGENT_SECRET_KEY: bytesToHex(paid.payer.agent.secretKey),
        AGENT_CHANNEL_ID: paid.channel.id,
        AGENT_MODEL: 'llama-1b',
        AGENT_MAX_TOKENS: '6',
      });
      expect(answer).toMatchObject({
        state: 'TASK_STATE_COMPLETED',
        text: 't0 t1 t2 t3 t4 t5 ',
        paymentStatus: 'payment-completed',
      });
      // The receipt is the gateway's signature over what it charged the agent's channel.
      const { signature, ...signed } = answer.receipt;
      const gatewayKey = parley.built.deps.gatewayKey.publicKeyHex;
      expect(paid.channel.network).toBe(gatewayKey);
      expect(
        verifyEd25519(hexToBytes(signature), receiptBytes(gatewayKey, signed), hexToBytes(gatewayKey)),
      ).toBe(true);
      // 6 tokens at 500 atomic TNZO each, on the agent's channel and nothing more.
      expect(signed).toMatchObject({ channelId: paid.channel.id, charged: '3000' });
      const channel = await paid.channelNow();
      expect(channel).toMatchObject({ charged: '3000', nonce: signed.nonce });
      expect(paid.upstream.received).toHaveLength(1);
      expect(paid.upstream.received[0]?.body).toMatchObject({ model: 'llama-1b', max_tokens: 6 });
    } finally {
      await paid.upstream.close();
    }
  });
});
