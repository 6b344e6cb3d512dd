import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpGateway, startMcpGateway } from './testing.ts';

let gateway: McpGateway;
let anonymous: Client;
beforeAll(async () => {
  gateway = await startMcpGateway();
  anonymous = await gateway.connect();
});
afterAll(() => gateway.close());

async function readJsonResource(uri: string) {
  const { contents } = await anonymous.readResource({ uri });
  expect(contents).toHaveLength(1);
  expect(contents[0]).toMatchObject({ uri, mimeType: 'application/json' });
  const [content] = contents;
  return JSON.parse(content && 'text' in content ? content.text : '');
}

describe('MCP resources', () => {
  it('lists the model list and every provider, and the templates for providers, channels and identities', async () => {
    const { resources } = await anonymous.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([
      'parley://models',
      `parley://providers/${gateway.providerId}`,
    ]);
    const { resourceTemplates } = await anonymous.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate).sort()).toEqual([
      'parley://channels/{id}',
      'parley://identities/{did}',
      'parley://providers/{id}',
    ]);
  });

  it('reads models, a provider, a channel and an identity as JSON', async () => {
    const { models } = await readJsonResource('parley://models');
    expect(
      models.map((model: { model_id: string; available: boolean }) => [model.model_id, model.available]),
    ).toEqual([
      ['free-1b', true],
      ['llama-1b', true],
    ]);
    const provider = await readJsonResource(`parley://providers/${gateway.providerId}`);
    expect(provider).toMatchObject({ id: gateway.providerId, status: 'active', health: { reputation: 0.5 } });
    const channel = await readJsonResource(`parley://channels/${gateway.channel.id}`);
    expect(channel).toMatchObject({ id: gateway.channel.id, payer: gateway.agent.did, status: 'open' });
    const identity = await readJsonResource(`parley://identities/${gateway.agent.did}`);
    expect(identity).toMatchObject({
      did: gateway.agent.did,
      kind: 'machine',
      controller: gateway.controller.did,
    });
  });

  it('answers a resource that does not exist with -32002 and the Parley code', async () => {
    for (const [uri, code] of [
      ['parley://channels/ch_missing', 'CHANNEL_NOT_FOUND'],
      ['parley://providers/prov_missing', 'PROVIDER_NOT_FOUND'],
      [`parley://identities/${gateway.agent.did.slice(0, -4)}0000`, 'IDENTITY_NOT_FOUND'],
    ]) {
      const failure = await anonymous.readResource({ uri: uri as string }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(McpError);
      expect(failure).toMatchObject({ code: -32002, data: { code, uri } });
    }
  });

  it('completes provider ids in the provider template', async () => {
    const { completion } = await anonymous.complete({
      ref: { type: 'ref/resource', uri: 'parley://providers/{id}' },
      argument: { name: 'id', value: 'prov_' },
    });
    expect(completion.values).toEqual([gateway.providerId]);
  });

  it('notifies a subscribed session when the resource changes, and stops after unsubscribe', async () => {
    const { channel, voucher } = await gateway.payer();
    const client = await gateway.connect();
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, ({ params }) => {
      updated.push(params.uri);
    });
    const uri = `parley://channels/${channel.id}`;
    await client.subscribeResource({ uri });
    const acceptVoucher = async () => {
      const response = await gateway.built.app.request(`/v1/channels/${channel.id}/vouchers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state: await voucher(1000n) }),
      });
      expect(response.status).toBe(200);
    };
    await acceptVoucher();
    // The session looks before each of its requests (and every sweep tick). Its server stream opens
    // just after initialize, so ask until the notification has a stream to arrive on.
    for (let attempt = 0; updated.length === 0 && attempt < 20; attempt++) {
      await client.ping();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(updated).toEqual([uri]);
    await client.ping(); // unchanged since: nothing more
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(updated).toEqual([uri]);

    await client.unsubscribeResource({ uri });
    await acceptVoucher();
    await client.ping();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(updated).toEqual([uri]);
  });

  it('refuses a subscription to a resource that does not exist', async () => {
    const client = await gateway.connect();
    const failure = await client.subscribeResource({ uri: 'parley://channels/ch_missing' }).catch((e) => e);
    expect(failure).toBeInstanceOf(McpError);
    expect(failure).toMatchObject({ code: -32002, data: { code: 'CHANNEL_NOT_FOUND' } });
    const unknown = await client.subscribeResource({ uri: 'parley://nothing' }).catch((e) => e);
    expect(unknown).toMatchObject({ code: -32002, data: { code: 'MCP_RESOURCE_UNKNOWN' } });
  });
});
