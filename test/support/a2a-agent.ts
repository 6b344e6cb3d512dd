/**
 * A second agent, as its own process (`node --import tsx test/support/a2a-agent.ts "question"`), built
 * only with the A2A SDK's client and Parley's client helper for vouchers. It delegates the question
 * to Parley's `inference` skill over A2A, pays when Parley asks (a2a-x402: input-required → the next
 * state of its payment channel, signed), and prints one JSON line on stdout:
 * `{state, text, receipt, paymentStatus, parleyTask}`.
 *
 * Environment: PARLEY_URL, PARLEY_API_KEY (Bearer), AGENT_KEY_ID and AGENT_SECRET_KEY (hex: the payer's
 * DID key), AGENT_CHANNEL_ID; AGENT_MODEL and AGENT_MAX_TOKENS optional.
 */
import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role, type Task, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import { hexToBytes } from '@noble/hashes/utils.js';
import { signChannelState } from '../../src/channels/index.ts';

interface PaymentOption {
  scheme: string;
  network: string;
  amount: string;
}

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const dataPart = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

const textPart = (text: string): Part => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

function message(parts: Part[], extra: Partial<Message> = {}): Message {
  return {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
    ...extra,
  };
}

async function send(parley: Client, sent: Message): Promise<Task> {
  const result = await parley.sendMessage({
    tenant: '',
    message: sent,
    configuration: undefined,
    metadata: undefined,
  });
  if (!('status' in result))
    throw new Error(`Parley answered with a message, not a task: ${JSON.stringify(result)}`);
  return result;
}

/** The data part of a finished task's artifact `name`. */
function artifactData(task: Task, name: string): Record<string, unknown> {
  const part = task.artifacts.find((artifact) => artifact.name === name)?.parts[0]?.content;
  if (part?.$case !== 'data') throw new Error(`task ${task.id} has no ${name} artifact`);
  return part.value;
}

/** The voucher for what Parley asks: the channel's next nonce, cumulative = charged so far + amount. */
async function voucherFor(parley: Client, option: PaymentOption) {
  const channelId = setting('AGENT_CHANNEL_ID');
  const channel = artifactData(
    await send(parley, message([dataPart({ skill: 'settlement', action: 'get', channelId })])),
    'channel',
  );
  return signChannelState(
    option.network,
    {
      channelId,
      nonce: Number(channel.nonce) + 1,
      cumulativeAmount: (BigInt(String(channel.charged)) + BigInt(option.amount)).toString(),
      final: false,
    },
    setting('AGENT_KEY_ID'),
    hexToBytes(setting('AGENT_SECRET_KEY')),
  );
}

async function main(question: string) {
  const apiKey = setting('PARLEY_API_KEY');
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory({
          fetchImpl: (input, init) => {
            const headers = new Headers(init?.headers);
            headers.set('authorization', `Bearer ${apiKey}`);
            return fetch(input, { ...init, headers });
          },
        }),
      ],
      preferredTransports: ['JSONRPC'],
    }),
  );
  const parley = await factory.createFromUrl(setting('PARLEY_URL'));
  let task = await send(
    parley,
    message([
      dataPart({
        skill: 'inference',
        action: 'chat',
        model: process.env.AGENT_MODEL ?? 'llama-1b',
        messages: [{ role: 'user', content: question }],
        max_tokens: Number(process.env.AGENT_MAX_TOKENS ?? 6),
      }),
    ]),
  );
  if (task.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
    const required = task.status.message?.metadata?.['x402.payment.required'] as { accepts: PaymentOption[] };
    const accepted = required.accepts.find((option) => option.scheme === 'parley-channel');
    if (!accepted) throw new Error(`no parley-channel payment offered: ${JSON.stringify(required)}`);
    const voucher = await voucherFor(parley, accepted);
    task = await send(
      parley,
      message([textPart('Paying with a voucher on my channel.')], {
        taskId: task.id,
        metadata: {
          'x402.payment.status': 'payment-submitted',
          'x402.payment.payload': { x402Version: 2, accepted, payload: { voucher } },
        },
      }),
    );
  }
  const text = (task.artifacts.find((artifact) => artifact.name === 'completion')?.parts ?? [])
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
  const metadata = task.status?.message?.metadata ?? {};
  process.stdout.write(
    `${JSON.stringify({
      state: taskStateToJSON(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED),
      text,
      receipt: metadata['parley/receipt'] ?? null,
      paymentStatus: metadata['x402.payment.status'] ?? null,
      parleyTask: task.id,
    })}\n`,
  );
}

main(process.argv.slice(2).join(' ') || 'What is the answer?').catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
