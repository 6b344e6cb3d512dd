import type { Message, Task } from '@a2a-js/sdk';
import { Role } from '@a2a-js/sdk';
import { z } from 'zod';
import { type SkillRequest, skillRequestSchema } from './schemas.ts';

/** What a message asks for: a skill request, a malformed one, or nothing Parley understands. */
export type ReadRequest =
  | { kind: 'skill'; request: SkillRequest }
  | { kind: 'invalid'; issues: Array<{ path: string; message: string }> }
  | { kind: 'unclear'; text: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Plain-text requests Parley understands without a data part. */
const textCommands: Array<[RegExp, (match: RegExpExecArray) => SkillRequest]> = [
  [/^(?:my )?(?:balance|balances|wallet)$/i, () => ({ skill: 'wallet', action: 'balances' })],
  [/^(?:list )?models$/i, () => ({ skill: 'inference', action: 'models' })],
  [/^resolve (did:\S+)$/i, (m) => ({ skill: 'identity', action: 'resolve', did: m[1] ?? '' })],
  [/^(?:identity|whois) (did:\S+)$/i, (m) => ({ skill: 'identity', action: 'get', did: m[1] ?? '' })],
  [/^channel (\S+)$/i, (m) => ({ skill: 'settlement', action: 'get', channelId: m[1] ?? '' })],
];

/** The first data part naming a skill wins; otherwise the text is matched against the commands. */
export function readSkillRequest(message: Message): ReadRequest {
  for (const part of message.parts) {
    if (part.content?.$case !== 'data' || !isRecord(part.content.value) || !('skill' in part.content.value))
      continue;
    const parsed = skillRequestSchema.safeParse(part.content.value);
    if (parsed.success) return { kind: 'skill', request: parsed.data };
    return {
      kind: 'invalid',
      issues: parsed.error.issues.map(({ path, message: text }) => ({ path: path.join('.'), message: text })),
    };
  }
  const text = message.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join(' ')
    .trim()
    .replace(/\s+/g, ' ');
  for (const [pattern, build] of textCommands) {
    const match = pattern.exec(text);
    if (match) {
      const parsed = skillRequestSchema.safeParse(build(match));
      if (parsed.success) return { kind: 'skill', request: parsed.data };
    }
  }
  return { kind: 'unclear', text };
}

/** The request a continued task is about: one in this message, else the latest in its history. */
export function pendingRequest(task: Task, message: Message): SkillRequest | undefined {
  const current = readSkillRequest(message);
  if (current.kind === 'skill') return current.request;
  for (const earlier of [...task.history].reverse()) {
    if (earlier.role !== Role.ROLE_USER || earlier.messageId === message.messageId) continue;
    const read = readSkillRequest(earlier);
    if (read.kind === 'skill') return read.request;
  }
  return undefined;
}

/** Examples of each skill, shown on the agent card and in the reply to a message not understood. */
export const skillExamples: Record<SkillRequest['skill'], string[]> = {
  wallet: [
    'balances',
    JSON.stringify({ skill: 'wallet', action: 'balances' }),
    JSON.stringify({
      skill: 'wallet',
      action: 'transfer',
      to: 'did:parley:…',
      asset: 'TNZO',
      amount: '1000',
    }),
  ],
  identity: [
    'resolve did:key:z6Mk…',
    JSON.stringify({ skill: 'identity', action: 'resolve', did: 'did:parley:…' }),
    JSON.stringify({
      skill: 'identity',
      action: 'delegate',
      delegation: { payload: '…', keyId: '…', signature: '…' },
    }),
  ],
  inference: [
    'models',
    JSON.stringify({ skill: 'inference', action: 'models', filter: { category: 'LLM' } }),
    JSON.stringify({
      skill: 'inference',
      action: 'chat',
      model: 'llama-1b',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 64,
    }),
  ],
  settlement: [
    'channel ch_…',
    JSON.stringify({ skill: 'settlement', action: 'open', asset: 'TNZO', deposit: '1000000000000000000' }),
    JSON.stringify({ skill: 'settlement', action: 'close', channelId: 'ch_…', state: '{…final: true}' }),
  ],
  verification: [
    JSON.stringify({
      skill: 'verification',
      action: 'receipt',
      receipt: { channelId: 'ch_…', signature: '…' },
    }),
  ],
};

let schemaDocument: unknown;

/** The JSON Schema of a skill request data part, generated once from the zod schema. */
export function skillRequestJsonSchema(): unknown {
  schemaDocument ??= z.toJSONSchema(skillRequestSchema, { io: 'input', unrepresentable: 'any' });
  return schemaDocument;
}
