import { mergeCorpus } from './corpus.ts';
import { type GgufMetadata, gguf } from './values.ts';

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
const normalTokenType = 1;
const controlTokenType = 3;

export const specialTokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** The ChatML template Qwen and many others ship, so chat wrappers recognise the format. */
export const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface Vocabulary {
  /** Token strings by id, in GPT-2's byte-to-unicode spelling. */
  readonly tokens: readonly string[];
  readonly tokenTypes: readonly number[];
  /** Merges by rank, each `"left right"`. */
  readonly merges: readonly string[];
  readonly specialTokenIds: Readonly<Record<(typeof specialTokens)[number], number>>;
}

/** GPT-2's pre-tokenizer pattern, the one llama.cpp applies for `tokenizer.ggml.pre = "gpt-2"`. */
const pretokenizePattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * A byte-level BPE vocabulary: the 256 byte tokens (id = byte value), then one token per merge learned
 * from the built-in corpus, then the special tokens. Deterministic: the same `maxMerges` always gives
 * the same vocabulary.
 */
export function buildVocabulary(maxMerges = 300): Vocabulary {
  const byteToChar = bytesToUnicode();
  const tokens = byteToChar.slice();
  const merges: string[] = [];
  const known = new Set(tokens);
  for (const [left, right] of learnMerges(mergeCorpus, byteToChar, maxMerges)) {
    merges.push(`${left} ${right}`);
    if (!known.has(left + right)) {
      known.add(left + right);
      tokens.push(left + right);
    }
  }
  const tokenTypes = tokens.map(() => normalTokenType);
  const firstSpecial = tokens.length;
  tokens.push(...specialTokens);
  tokenTypes.push(...specialTokens.map(() => controlTokenType));
  return {
    tokens,
    tokenTypes,
    merges,
    specialTokenIds: {
      '<|endoftext|>': firstSpecial,
      '<|im_start|>': firstSpecial + 1,
      '<|im_end|>': firstSpecial + 2,
    },
  };
}

/** The `tokenizer.*` metadata of a GPT-2 style vocabulary with a ChatML template. */
export function tokenizerMetadata(vocabulary: Vocabulary): GgufMetadata {
  return {
    'tokenizer.ggml.model': gguf.string('gpt2'),
    'tokenizer.ggml.pre': gguf.string('gpt-2'),
    'tokenizer.ggml.tokens': gguf.strings(vocabulary.tokens),
    'tokenizer.ggml.token_type': gguf.numbers('int32', vocabulary.tokenTypes),
    'tokenizer.ggml.merges': gguf.strings(vocabulary.merges),
    'tokenizer.ggml.bos_token_id': gguf.uint32(vocabulary.specialTokenIds['<|endoftext|>']),
    // ChatML turns end with <|im_end|>, so it is the end-of-sequence token.
    'tokenizer.ggml.eos_token_id': gguf.uint32(vocabulary.specialTokenIds['<|im_end|>']),
    'tokenizer.ggml.padding_token_id': gguf.uint32(vocabulary.specialTokenIds['<|endoftext|>']),
    'tokenizer.ggml.add_bos_token': gguf.bool(false),
    'tokenizer.chat_template': gguf.string(chatMlTemplate),
  };
}

/**
 * GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to code points from 256 up,
 * so every byte has a visible, whitespace-free character.
 */
export function bytesToUnicode(): string[] {
  const isPrintable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  let next = 256;
  return Array.from({ length: 256 }, (_, byte) => String.fromCodePoint(isPrintable(byte) ? byte : next++));
}

/**
 * Classic BPE training over pre-tokenized words: repeatedly merge the most frequent adjacent pair
 * (ties broken by the pair's text, for determinism), stopping early once no pair occurs twice.
 */
function learnMerges(corpus: string, byteToChar: readonly string[], count: number): [string, string][] {
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const word of corpus.match(pretokenizePattern) ?? []) {
    const spelled = Array.from(encoder.encode(word), (byte) => byteToChar[byte]).join('');
    wordCounts.set(spelled, (wordCounts.get(spelled) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([word, frequency]) => ({ symbols: Array.from(word), frequency }));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, frequency } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + frequency);
      }
    }
    let best: [string, number] | undefined;
    for (const entry of pairCounts) {
      if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
    }
    if (!best || best[1] < 2) break;
    const [left, right] = best[0].split(' ') as [string, string];
    merges.push([left, right]);
    for (const word of words) word.symbols = mergePair(word.symbols, left, right);
  }
  return merges;
}

function mergePair(symbols: string[], left: string, right: string): string[] {
  const merged: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      merged.push(left + right);
      i++;
    } else {
      merged.push(symbols[i] as string);
    }
  }
  return merged;
}
