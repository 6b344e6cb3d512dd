import { ed25519 } from '@noble/curves/ed25519.js';
import { readJson } from '../src/gateway/testing.ts';
import { signedRequestHeaders } from '../src/identity/index.ts';
import { IdentityClient } from '../src/identity/testing.ts';
import { verifyEd25519 } from '../src/shared/index.ts';
import { report } from './harness.ts';

/** Mean microseconds per call of `run` over `count` calls, after a warm-up. */
async function perCall(count: number, run: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await run(count + i); // warm-up on indices the measurement never uses
  const started = performance.now();
  for (let i = 0; i < count; i++) await run(i);
  return Number((((performance.now() - started) / count) * 1000).toFixed(1));
}

/**
 * What authentication and scope checks add to a request, in process (no sockets): the same public
 * route with no credentials (baseline), with an API key bound to a two-link delegation chain, and
 * with an RFC 9421 signed request acting under that chain (verification, key resolution from cache,
 * durable nonce, effective scope). Also the raw Ed25519 verification cost, OpenSSL against noble.
 */
export async function identityBench(count = Number(process.env.BENCH_COUNT ?? 2000)) {
  const client = new IdentityClient();
  const owner = await client.register('human');
  const machine = await client.register('machine', { controller: owner });
  const worker = await client.register('machine', { controller: owner });
  const root = await readJson(
    await client.delegate(owner, machine, {
      allowed_operations: ['inference'],
      max_transaction_value: '1000',
    }),
  );
  const leaf = await readJson(
    await client.delegate(
      machine,
      worker,
      { allowed_operations: ['inference'], max_transaction_value: '500' },
      { parent: root.id },
    ),
  );
  const apiKey = (
    await readJson(
      await client.signed(owner, 'POST', '/v1/api-keys', {
        did: worker.did,
        name: 'bench',
        delegationId: leaf.id,
      }),
    )
  ).secret as string;
  const url = `http://localhost/v1/delegations/${leaf.id}`;
  const created = Math.floor(client.clock.now() / 1000);
  const signed = Array.from({ length: count + 200 }, (_, i) =>
    signedRequestHeaders({
      method: 'GET',
      url,
      keyId: worker.keyId,
      secretKey: worker.secretKey,
      created,
      nonce: `bench-${i}`,
      delegationId: leaf.id,
    }),
  );
  const expectOk = async (response: Response | Promise<Response>) => {
    const done = await response;
    if (done.status !== 200) throw new Error(`unexpected ${done.status}: ${await done.text()}`);
    await done.arrayBuffer();
  };

  const anonymousUs = await perCall(count, () => expectOk(client.app.request(url)));
  const apiKeyUs = await perCall(count, () =>
    expectOk(client.app.request(url, { headers: { authorization: `Bearer ${apiKey}` } })),
  );
  const signedUs = await perCall(count, (i) => expectOk(client.app.request(url, { headers: signed[i] })));

  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  const message = new TextEncoder().encode('"@method": GET\n"@path": /v1/delegations/…'.repeat(4));
  const signature = ed25519.sign(message, secretKey);
  const opensslUs = await perCall(count, () => verifyEd25519(signature, message, publicKey));
  const nobleUs = await perCall(Math.min(count, 300), () => ed25519.verify(signature, message, publicKey));

  report('identity', {
    what: 'GET /v1/delegations/{id} in process: anonymous vs API key vs signed request, both under a 2-link delegation',
    count,
    baselineAnonymousUs: anonymousUs,
    apiKeyUs,
    signedRequestUs: signedUs,
    addedByApiKeyUs: Number((apiKeyUs - anonymousUs).toFixed(1)),
    addedBySignatureUs: Number((signedUs - anonymousUs).toFixed(1)),
    signedVerificationsPerSecond: Math.round(1e6 / signedUs),
    ed25519VerifyUs: { openssl: opensslUs, noble: nobleUs },
    aim: 'authentication + scope check adds < 200 us per request',
  });
}
