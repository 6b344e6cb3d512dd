import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { encodeVoucher, signedStateSchema, stateTag } from '../../channels/index.ts';
import type { ProtocolContext } from '../../gateway/context.ts';
import type { Principal } from '../../identity/index.ts';
import { routerErrors } from '../../router/index.ts';
import { AppError, defineErrors } from '../../shared/index.ts';
import { admit, type ChatRequest, chatRequestSchema, pricedModel, serve } from '../area-internals.ts';
import { mcpError } from '../errors.ts';
import { chatInput, chatOutput, voucherSchema } from '../schemas.ts';
import { addTool } from '../tool-kit.ts';
import { readCompletion, readCompletionStream } from './completion-reader.ts';

const routerError = defineErrors(routerErrors);

/** How an MCP client pays for a priced model (the HTTP terms speak of headers). */
const mcpPaymentSteps = [
  'Fund your account: request_faucet on development gateways, or receive a send_transaction.',
  'open_channel with a deposit (payee: the gateway, the default).',
  'get_channel: note network, nonce and charged.',
  `Sign a voucher with your identity key: Ed25519 over "${stateTag}\\n" + RFC 8785 JSON of {network, channelId, nonce: nonce + 1, cumulativeAmount: charged + what this call may cost, final: false}.`,
  'Call chat with voucher: {channelId, nonce, cumulativeAmount, final, keyId, signature} (or in _meta["parley/voucher"]).',
];

/** chat: the same path as POST /v1/chat/completions (price, scope, voucher, routing, metering, receipt). */
export function registerChatTool(server: McpServer, context: ProtocolContext): void {
  const deps = context.inference;
  addTool(server, context, {
    name: 'chat',
    title: 'Chat completion',
    description:
      'Run a chat completion on a model served through this gateway (see list_models). Free models need ' +
      'nothing more; priced ones are paid from your payment channel with a voucher, per output token, and ' +
      'never beyond what the voucher authorizes (finish_reason "payment_limit"). Returns the answer, the ' +
      'token usage and the billing with a gateway-signed receipt. Send a progressToken to receive the ' +
      'answer as it is generated, in progress notifications.',
    access: 'private',
    input: chatInput,
    output: chatOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: async (args, call) => {
      const { extra } = call;
      call.authorize({ model: args.model });
      const voucher = voucherHeader(args.voucher ?? extra._meta?.['parley/voucher']);
      const model = withMcpTerms(() => pricedModel(deps, args.model, voucher));
      const progressToken = extra._meta?.progressToken;
      const streaming = progressToken !== undefined;
      const body = chatRequestSchema.parse({
        model: args.model,
        messages: args.messages,
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        top_p: args.top_p,
        seed: args.seed,
        stop: args.stop,
        ...(args.routing ? { routing: { strategy: args.routing } } : {}),
        ...(streaming ? { stream: true, stream_options: { include_usage: true } } : {}),
      }) as ChatRequest;
      const principal = inferenceCaller(call.principal);
      const admission = admit(
        deps,
        { kind: 'chat', body, principal, voucher, routingHeader: undefined },
        model,
      );
      const response = await serve(deps, admission, body, call.requestId);
      if (!response.ok) throw await rejected(response);
      const completion = streaming
        ? await readCompletionStream(
            response,
            (message, progress) =>
              extra.sendNotification({
                method: 'notifications/progress',
                params: {
                  progressToken,
                  progress,
                  ...(args.max_tokens ? { total: args.max_tokens } : {}),
                  message,
                },
              }),
            extra.signal,
          )
        : await readCompletion(response);
      const prompt = completion.usage?.prompt_tokens ?? 0;
      const completionTokens = completion.usage?.completion_tokens ?? completion.billing.billed_tokens;
      return {
        model: completion.model ?? model.model_id,
        text: completion.text,
        finish_reason: completion.finish_reason,
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completionTokens,
          total_tokens: prompt + completionTokens,
        },
        billing: completion.billing,
      };
    },
  });
}

/** A voucher from the arguments or `_meta`: a signed state object, or its base64url form. */
function voucherHeader(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const parsed = voucherSchema.safeParse(value);
  if (!parsed.success) {
    throw routerError(
      'VOUCHER_UNREADABLE',
      { expected: 'a SignedChannelState object, or its base64url JSON' },
      'The voucher is not a signed channel state.',
    );
  }
  const voucher = parsed.data;
  return typeof voucher === 'string' ? voucher : encodeVoucher(signedStateSchema.parse(voucher));
}

/** PAYMENT_REQUIRED as an MCP client can act on it: the same terms, with the steps in tool calls. */
function withMcpTerms<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'PAYMENT_REQUIRED') throw error;
    throw routerError(
      'PAYMENT_REQUIRED',
      { ...error.details, mcp: { steps: mcpPaymentSteps } },
      'This model is paid: pass a voucher signed over your payment channel (details.mcp.steps says how).',
    );
  }
}

/**
 * The caller as the inference path sees it. Delegations name MCP tools (`chat`), the shared path
 * checks `inference.chat`: the tool's own check ran already, so `chat` grants `inference.chat` here.
 */
function inferenceCaller(principal: Principal): Principal {
  if (principal.admin) return principal;
  const operations = principal.scope.policy.allowed_operations;
  if (!operations) return principal;
  const granted = operations.includes('chat') ? [...operations, 'inference.chat'] : operations;
  return {
    ...principal,
    scope: { ...principal.scope, policy: { ...principal.scope.policy, allowed_operations: granted } },
  };
}

async function rejected(response: Response): Promise<AppError> {
  const text = await response.text();
  let error: unknown = text;
  try {
    error = (JSON.parse(text) as { error?: unknown }).error ?? JSON.parse(text);
  } catch {}
  return mcpError('UPSTREAM_REJECTED', {
    provider: response.headers.get('parley-provider'),
    status: response.status,
    error,
  });
}
