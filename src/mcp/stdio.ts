import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { McpBridge } from './bridge.ts';

export const mcpStdioUsage =
  'parley mcp --gateway URL [--api-key KEY]   (or PARLEY_API_KEY in the environment)';

/**
 * `parley mcp`: an MCP server on stdin/stdout for clients that launch their servers (Claude Desktop,
 * Claude Code), relaying to a gateway's /mcp with the caller's API key. Runs until stdin closes.
 */
export async function runMcpStdio(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { gateway: { type: 'string' }, 'api-key': { type: 'string' } },
  });
  const log = (line: string) => process.stderr.write(`parley mcp: ${line}\n`);
  const gateway = values.gateway ?? env.PARLEY_GATEWAY_URL;
  let url: URL;
  try {
    url = endpointOf(gateway ?? '');
  } catch {
    log(`give the gateway's URL: ${mcpStdioUsage}`);
    return 2;
  }
  const apiKey = values['api-key'] ?? env.PARLEY_API_KEY;
  if (!apiKey) log('no API key (--api-key or PARLEY_API_KEY): only the public tools will work');
  const bridge = new McpBridge(new StdioServerTransport(), { url, ...(apiKey ? { apiKey } : {}), log });
  // Ending the gateway session on the way out spares it waiting for the idle timeout.
  process.stdin.once('end', () => void bridge.close());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void bridge.close());
  await bridge.start();
  await bridge.done;
  return 0;
}

/** `http://host:8080` → `http://host:8080/mcp`; a URL already naming a path is used as given. */
export function endpointOf(gateway: string): URL {
  const url = new URL(gateway);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not an http(s) URL');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/mcp';
  return url;
}
