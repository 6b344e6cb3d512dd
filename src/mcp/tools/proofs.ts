import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import { receiptBytes } from '../../channels/index.ts';
import type { ProtocolContext } from '../../gateway/context.ts';
import { AppError, verifyEd25519 } from '../../shared/index.ts';
import { blockBytes } from '../area-internals.ts';
import { mcpError } from '../errors.ts';
import { verifyProofInput, verifyProofOutput } from '../schemas.ts';
import { addTool } from '../tool-kit.ts';
import { appraiseAttestation } from './attestation.ts';

type Check = { check: string; ok: boolean; detail: string };
type Input = z.output<typeof verifyProofInput>;

/** Checks proofs the gateway issued: inference receipts and ledger blocks, against its own key and records. */
export function registerProofTools(server: McpServer, context: ProtocolContext): void {
  const signer = hexToBytes(context.publicKey);
  const signedByGateway = (signature: string, message: Uint8Array) =>
    verifyEd25519(hexToBytes(signature), message, signer);

  const receiptChecks = (receipt: NonNullable<Input['receipt']>): Check[] => {
    const { signature, ...unsigned } = receipt;
    const checks: Check[] = [
      {
        check: 'signature',
        ok: signedByGateway(signature, receiptBytes(context.publicKey, unsigned)),
        detail: 'Ed25519 by the gateway key over "parley/channel-receipt/v1\\n" + RFC 8785 JSON',
      },
    ];
    const channel = findChannel(context, receipt.channelId);
    checks.push({
      check: 'channel',
      ok: channel !== undefined,
      detail: channel ? `channel ${channel.id} is ${channel.status}` : 'this gateway has no such channel',
    });
    if (channel) {
      checks.push({
        check: 'charged',
        ok: BigInt(receipt.charged) <= BigInt(channel.charged),
        detail: `the receipt covers ${receipt.charged}; the channel has charged ${channel.charged} in all`,
      });
    }
    return checks;
  };

  const blockChecks = (block: NonNullable<Input['ledger_block']>): Check[] => {
    const bytes = blockBytes(block);
    const hash = bytesToHex(sha256(bytes));
    const { ledger } = context.channels;
    const recorded =
      block.height >= 1 && block.height <= ledger.height() ? ledger.block(block.height) : undefined;
    return [
      {
        check: 'hash',
        ok: hash === block.hash,
        detail: 'SHA-256 of "parley/ledger-block/v1\\n" + RFC 8785 JSON of the block',
      },
      {
        check: 'signature',
        ok: signedByGateway(block.signature, bytes),
        detail: 'Ed25519 by the gateway key',
      },
      {
        check: 'chain',
        ok: recorded?.hash === hash,
        detail: recorded
          ? `block ${block.height} of this gateway's ledger has hash ${recorded.hash}`
          : `this gateway's ledger has no block ${block.height}`,
      },
    ];
  };

  addTool(server, context, {
    name: 'verify_proof',
    title: 'Verify a proof',
    description:
      "Check one proof: an inference receipt (chat's billing.receipt: signed by this gateway, for a " +
      'channel it knows, within what the channel was charged), a ledger block (hash, signature, and that ' +
      "it is the block at that height of this gateway's chain), or a TEE attestation (SEV-SNP, TDX, Nitro, " +
      "NVIDIA: chain to the vendor's root, signature, debug, freshness, the report data or nonce you " +
      'expect). Every check is named, so a failure says what is wrong.',
    access: 'private',
    input: verifyProofInput,
    output: verifyProofOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ receipt, ledger_block, attestation }, call) => {
      call.authorize();
      const given = [receipt, ledger_block, attestation].filter((proof) => proof !== undefined);
      if (given.length !== 1) throw mcpError('PROOF_AMBIGUOUS', { given: given.length });
      if (attestation) return appraiseAttestation(context, attestation);
      const kind = receipt ? ('receipt' as const) : ('ledger_block' as const);
      const checks = receipt
        ? receiptChecks(receipt)
        : blockChecks(ledger_block as NonNullable<typeof ledger_block>);
      return { kind, valid: checks.every((check) => check.ok), signer: context.publicKey, checks };
    },
  });
}

function findChannel(context: ProtocolContext, id: string) {
  try {
    return context.channels.channels.get(id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'CHANNEL_NOT_FOUND') return undefined;
    throw error;
  }
}
