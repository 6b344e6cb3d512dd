import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpGateway, startMcpGateway, structured } from '../src/mcp/testing.ts';
import { cliPath } from './support/gateway-process.ts';

let gateway: McpGateway;
beforeAll(async () => {
  gateway = await startMcpGateway();
});
afterAll(() => gateway.close());

/** Launches `parley mcp` the way Claude Desktop or Claude Code would: a child process on stdio. */
async function launch(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'mcp', ...args],
    env: { ...getDefaultEnvironment(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const client = new Client({ name: 'claude-like', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('parley mcp (stdio)', () => {
  // One launch: the CLI takes seconds to start (tsx), and a launch costs the suite that much.
  it('serves the gateway tools over stdio with the API key from the environment', async () => {
    const { client, stderr } = await launch(['--gateway', gateway.origin], {
      PARLEY_API_KEY: gateway.apiKey,
    });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('chat');
    expect(tools).toHaveLength(16);
    const balance = structured(await client.callTool({ name: 'get_balance', arguments: {} }));
    expect(balance.account).toBe(gateway.agent.did);
    const answer = structured(
      await client.callTool({
        name: 'chat',
        arguments: { model: 'free-1b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
      }),
    );
    expect(answer.text).toBe('t0 t1 ');
    expect(stderr()).not.toContain('no API key');
    await client.close();
  });
});
