import { startMockUpstream } from '../../src/router/testing.ts';

// A fast OpenAI-compatible upstream (no delay between tokens), the "direct" side of bench/inference.
const upstream = await startMockUpstream({ naturalTokens: Number(process.env.MOCK_TOKENS ?? 1_000_000) });
process.stdout.write(`listening ${upstream.url}\n`);
process.once('SIGTERM', () => {
  void upstream.close().then(() => process.exit(0));
});
