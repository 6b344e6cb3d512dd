import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Task, TaskState } from '@a2a-js/sdk';
import { OpenAPIHono } from '@hono/zod-openapi';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { protocolContext } from '../gateway/app.ts';
import type { AppEnv } from '../gateway/context.ts';
import { buildTestApp } from '../gateway/testing.ts';
import { authenticate, didKeyFromPublicKey, publicKeyFromDidKey } from '../identity/index.ts';
import { IdentityClient } from '../identity/testing.ts';
import { verifyEd25519 } from '../shared/index.ts';
import { a2aRoutes } from './index.ts';
import { signatureHeader } from './push-sender.ts';
import {
  a2aClient,
  bearerFetch,
  delegatedAgent,
  type ServedGateway,
  sendRequest,
  serveOnLoopback,
  startGateway,
} from './testing.ts';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A client's webhook on loopback: records deliveries, answers the first `failFirst` with 503. */
async function startWebhook(failFirst: number) {
  const deliveries: Delivery[] = [];
  let attempts = 0;
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      attempts++;
      if (attempts <= failFirst) return void response.writeHead(503).end();
      deliveries.push({ headers: request.headers, body: Buffer.concat(parts).toString() });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The gateway as its composition root would wire A2A with webhook options: private endpoints allowed
 * (development) and deliveries signed with the gateway key.
 */
async function gatewayWithWebhooks(): Promise<ServedGateway> {
  const built = buildTestApp({ maxBodyBytes: 65_536 });
  const { services, deps } = built;
  const context = protocolContext(deps, services);
  const signer = { keyId: didKeyFromPublicKey(deps.gatewayKey.publicKey), sign: deps.gatewayKey.sign };
  const app = new OpenAPIHono<AppEnv>();
  app.use(authenticate(services.identity.authenticator));
  app.route(
    '/',
    a2aRoutes(context, { push: { allowPrivateEndpoints: true, signer, retryDelaysMs: [10, 10] } }),
  );
  const served = await serveOnLoopback(app.fetch);
  return { ...served, built, identity: new IdentityClient(built) };
}

/** Checks a delivery's compact JWS against the key its `kid` names, and its claims against the body. */
function verifiedClaims(delivery: Delivery): Record<string, unknown> {
  const [header = '', payload = '', signature = ''] = String(
    delivery.headers[signatureHeader.toLowerCase()],
  ).split('.');
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  const { alg, kid } = decode(header);
  expect(alg).toBe('EdDSA');
  const valid = verifyEd25519(
    Buffer.from(signature, 'base64url'),
    new TextEncoder().encode(`${header}.${payload}`),
    publicKeyFromDidKey(String(kid)),
  );
  expect(valid).toBe(true);
  const claims = decode(payload);
  expect(claims.sha256).toBe(bytesToHex(sha256(new TextEncoder().encode(delivery.body))));
  return { ...claims, kid };
}

let gateway: ServedGateway;
beforeAll(async () => {
  gateway = await gatewayWithWebhooks();
});
afterAll(() => gateway.close());

describe('push notifications', () => {
  it('delivers every update of a task to its webhook, in order, signed by the gateway, retrying a 503', async () => {
    const webhook = await startWebhook(1);
    const { apiKey } = await delegatedAgent(gateway.identity);
    const client = await a2aClient(gateway.url, bearerFetch(apiKey));
    const request = sendRequest({ skill: 'wallet', action: 'balances' });
    request.configuration = {
      acceptedOutputModes: [],
      returnImmediately: false,
      historyLength: undefined,
      taskPushNotificationConfig: {
        tenant: '',
        id: '',
        taskId: '',
        url: webhook.url,
        token: 'client-token',
        authentication: undefined,
      },
    };
    const task = (await client.sendMessage(request)) as Task;
    await vi.waitFor(() => expect(webhook.deliveries.length).toBe(4));
    expect(webhook.attempts()).toBe(5);
    const kinds = webhook.deliveries.map((delivery) => Object.keys(JSON.parse(delivery.body))[0]);
    expect(kinds).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
    const last = JSON.parse(webhook.deliveries[3]?.body ?? '{}');
    expect(last.statusUpdate).toMatchObject({ taskId: task.id, status: { state: 'TASK_STATE_COMPLETED' } });
    for (const delivery of webhook.deliveries) {
      expect(delivery.headers['content-type']).toBe('application/a2a+json');
      expect(delivery.headers['x-a2a-notification-token']).toBe('client-token');
      const claims = verifiedClaims(delivery);
      expect(claims).toMatchObject({
        kid: didKeyFromPublicKey(gateway.built.deps.gatewayKey.publicKey),
        taskId: task.id,
      });
    }
    await webhook.close();
  });

  it('creates, reads, lists and deletes webhook configs with the SDK client, only for the owner', async () => {
    const { apiKey } = await delegatedAgent(gateway.identity);
    const client = await a2aClient(gateway.url, bearerFetch(apiKey));
    const task = (await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const created = await client.createTaskPushNotificationConfig({
      tenant: '',
      id: '',
      taskId: task.id,
      url: 'http://127.0.0.1:9/hook',
      token: '',
      authentication: { scheme: 'Bearer', credentials: 'webhook-secret' },
    });
    expect(created.id).toMatch(/^push-/);
    expect(
      await client.getTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: created.id }),
    ).toMatchObject({
      url: 'http://127.0.0.1:9/hook',
      authentication: { scheme: 'Bearer', credentials: 'webhook-secret' },
    });
    const listed = await client.listTaskPushNotificationConfig({
      tenant: '',
      taskId: task.id,
      pageSize: 0,
      pageToken: '',
    });
    expect(listed.configs.map((config) => config.id)).toEqual([created.id]);
    const stranger = await a2aClient(
      gateway.url,
      bearerFetch((await delegatedAgent(gateway.identity)).apiKey),
    );
    await expect(
      stranger.listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 0, pageToken: '' }),
    ).rejects.toMatchObject({ envelopeCode: -32001 });
    await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: created.id });
    expect(
      (
        await client.listTaskPushNotificationConfig({
          tenant: '',
          taskId: task.id,
          pageSize: 0,
          pageToken: '',
        })
      ).configs,
    ).toEqual([]);
  });

  it('refuses webhooks on loopback by default, as provider endpoints are (SSRF guard): invalid params', async () => {
    const plain = await startGateway({ allowPrivateEndpoints: false });
    try {
      const { apiKey } = await delegatedAgent(plain.identity);
      const client = await a2aClient(plain.url, bearerFetch(apiKey));
      const task = (await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }))) as Task;
      await expect(
        client.createTaskPushNotificationConfig({
          tenant: '',
          id: '',
          taskId: task.id,
          url: 'http://127.0.0.1:9/hook',
          token: '',
          authentication: undefined,
        }),
      ).rejects.toMatchObject({
        envelopeCode: -32602,
        message: expect.stringMatching(/refused \(loopback\)/),
      });
    } finally {
      await plain.close();
    }
  });
});
