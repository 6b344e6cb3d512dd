import { randomUUID } from 'node:crypto';
import { AgentCard, type Message, type Task, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  type RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  a2aClient,
  bearerFetch,
  dataPart,
  paidInference,
  type ServedGateway,
  sendRequest,
  serveOnLoopback,
  startGateway,
  textPart,
  userMessage,
} from '../src/a2a/testing.ts';

/**
 * A second agent, built only with the A2A SDK: asked a question, it delegates the completion to
 * Parley over A2A, pays when Parley asks (a2a-x402: input-required → signed voucher), and answers
 * with Parley's text and receipt.
 */
class DelegatingAgent implements AgentExecutor {
  constructor(
    private readonly parley: Client,
    private readonly pay: (amount: bigint) => Promise<unknown>,
  ) {}

  async execute(request: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const question = request.userMessage.parts
      .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
      .join('');
    const status = (state: TaskState) => ({ state, message: undefined, timestamp: new Date().toISOString() });
    bus.publish(
      AgentEvent.task({
        id: request.taskId,
        contextId: request.contextId,
        status: status(TaskState.TASK_STATE_WORKING),
        artifacts: [],
        history: [request.userMessage],
        metadata: undefined,
      }),
    );
    const chat = {
      skill: 'inference',
      action: 'chat',
      model: 'llama-1b',
      messages: [{ role: 'user', content: question }],
      max_tokens: 6,
    };
    let task = (await this.parley.sendMessage(sendRequest(chat))) as Task;
    if (task.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      const required = task.status.message?.metadata?.['x402.payment.required'];
      const accepted = required.accepts[0];
      const voucher = await this.pay(BigInt(accepted.amount));
      const paying = userMessage([textPart('payment')], {
        taskId: task.id,
        metadata: {
          'x402.payment.status': 'payment-submitted',
          'x402.payment.payload': { x402Version: 2, accepted, payload: { voucher } },
        },
      });
      task = (await this.parley.sendMessage({
        tenant: '',
        message: paying,
        configuration: undefined,
        metadata: undefined,
      })) as Task;
    }
    const answer = task.artifacts.find((artifact) => artifact.name === 'completion')?.parts ?? [];
    const receipt = task.status?.message?.metadata?.['parley/receipt'];
    bus.publish(
      AgentEvent.artifactUpdate({
        taskId: request.taskId,
        contextId: request.contextId,
        artifact: {
          artifactId: 'answer',
          name: 'answer',
          description: `answered by Parley task ${task.id}`,
          parts: [...answer, dataPart({ receipt, parleyTask: task.id })],
          metadata: undefined,
          extensions: [],
        },
        append: false,
        lastChunk: true,
        metadata: undefined,
      }),
    );
    bus.publish(
      AgentEvent.statusUpdate({
        taskId: request.taskId,
        contextId: request.contextId,
        status: status(task.status?.state ?? TaskState.TASK_STATE_FAILED),
        metadata: undefined,
      }),
    );
  }

  async cancelTask(): Promise<void> {}
}

/** Serves an SDK request handler over JSON-RPC with the SDK's transport handler, on loopback. */
async function serveAgent(executor: AgentExecutor) {
  let url = '';
  const card = (): AgentCard => ({
    name: 'Researcher',
    description: 'Answers questions with inference bought from Parley',
    supportedInterfaces: [
      { url: `${url}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
    ],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: false, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [],
    signatures: [],
  });
  const handler = new DefaultRequestHandler(card(), new InMemoryTaskStore(), executor);
  const transport = new JsonRpcTransportHandler(handler);
  const app = new Hono()
    .get('/.well-known/agent-card.json', (c) => c.json(AgentCard.toJSON(card()) as Record<string, unknown>))
    .post('/a2a', async (c) =>
      c.json(
        (await transport.handle(
          await c.req.text(),
          new ServerCallContext({ requestedVersion: '1.0' }),
        )) as Record<string, unknown>,
      ),
    );
  const served = await serveOnLoopback(app.fetch);
  url = served.url;
  return served;
}

let parley: ServedGateway;
beforeAll(async () => {
  parley = await startGateway();
});
afterAll(() => parley.close());

describe('an SDK-built agent delegating to Parley', () => {
  it('buys an inference from Parley over A2A (x402 voucher) and hands back the text and the receipt', async () => {
    const paid = await paidInference(parley);
    const parleyClient = await a2aClient(parley.url, bearerFetch(paid.payer.apiKey));
    const researcher = await serveAgent(new DelegatingAgent(parleyClient, paid.voucher));
    try {
      const user = await a2aClient(researcher.url, fetch);
      const result = (await user.sendMessage({
        tenant: '',
        message: userMessage([textPart('What is the answer?')], { messageId: randomUUID() }),
        configuration: undefined,
        metadata: undefined,
      })) as Task | Message;
      if (!('status' in result)) throw new Error('expected a task');
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const [text, data] = result.artifacts[0]?.parts ?? [];
      expect(text?.content?.$case === 'text' && text.content.value).toBe('t0 t1 t2 t3 t4 t5 ');
      const receipt = data?.content?.$case === 'data' ? data.content.value.receipt : undefined;
      // Parley charged the researcher's channel exactly what the receipt says: 6 tokens at 500.
      expect(receipt).toMatchObject({ channelId: paid.channel.id, charged: '3000' });
      expect((await paid.channelNow()).charged).toBe('3000');
      expect(paid.upstream.received[0]?.body).toMatchObject({ model: 'llama-1b', max_tokens: 6 });
    } finally {
      await researcher.close();
      await paid.upstream.close();
    }
  });
});
