import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProtocolContext } from '../../gateway/context.ts';
import { formatUnits } from '../../shared/index.ts';
import {
  balancesOutput,
  blockOutput,
  emptyInput,
  getBalanceInput,
  getBlockInput,
  getBlockOutput,
  sendTransactionInput,
} from '../schemas.ts';
import { addTool } from '../tool-kit.ts';

/** Balances, transfers, blocks and the faucet: the same service calls as /v1/accounts, /v1/transfers, /v1/ledger. */
export function registerLedgerTools(server: McpServer, context: ProtocolContext): void {
  const { ledger, payments, assets } = context.channels;

  addTool(server, context, {
    name: 'get_balance',
    title: 'Get balances',
    description:
      'Balances of an identity (yours by default) in every asset it has held, in atomic units and in whole ' +
      'units. Use it before send_transaction or open_channel to see what you can spend.',
    access: 'private',
    input: getBalanceInput,
    output: balancesOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ did }, call) => {
      call.authorize();
      const account = did ?? call.account();
      const balances = ledger.balances(account).map(({ asset, amount }) => {
        const decimals = assets.find(asset)?.decimals ?? 0;
        return { asset, decimals, amount: amount.toString(), formatted: formatUnits(amount, decimals) };
      });
      return { account, balances };
    },
  });

  addTool(server, context, {
    name: 'send_transaction',
    title: 'Send a transfer',
    description:
      'Move funds from your account to another registered identity: one signed ledger block, final at ' +
      'once and not reversible. Checked against your delegation (allowed_operations "send_transaction", ' +
      'asset, max_transaction_value, max_daily_spend). Returns the block that records it.',
    access: 'private',
    input: sendTransactionInput,
    output: blockOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: ({ to, asset, amount, memo }, call) => {
      const from = call.account();
      call.authorize({ asset, amount: BigInt(amount), paymentProtocol: 'ledger' });
      return { block: payments.transfer(from, to, asset, BigInt(amount), memo) };
    },
  });

  addTool(server, context, {
    name: 'get_block',
    title: 'Get a ledger block',
    description:
      "A block of Parley's append-only ledger: its balanced postings, the hash of the block before, and " +
      "the gateway's Ed25519 signature (check it with verify_proof). Omit height for the latest block.",
    access: 'public',
    input: getBlockInput,
    output: getBlockOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ height }) => {
      const tip = ledger.height();
      return { block: ledger.block(height ?? tip), tip, publicKey: ledger.publicKeyHex };
    },
  });

  addTool(server, context, {
    name: 'request_faucet',
    title: 'Request test funds',
    description:
      'Development faucet: credits your account with TNZO (1,000 by default) once per cooldown (24 h by ' +
      'default). Use it to fund an agent on a test gateway before open_channel. Returns the ledger block.',
    access: 'private',
    input: emptyInput,
    output: blockOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: (_args, call) => {
      const did = call.account();
      call.authorize({ asset: 'TNZO' });
      return { block: payments.faucet(did) };
    },
  });
}
