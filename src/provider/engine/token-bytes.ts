import type { LlamaModel, Token } from 'node-llama-cpp';

const replacement = '\uFFFD';
const encoder = new TextEncoder();

/**
 * The raw bytes of each token. The detokenizer returns a JavaScript string, which turns the fragment
 * of a character some tokens hold into U+FFFD; those tokens are read from the vocabulary instead:
 * GPT-2 byte-level pieces for BPE vocabularies, `<0xNN>` byte tokens for SentencePiece ones.
 */
export function tokenBytesReader(model: LlamaModel): (token: Token) => Uint8Array {
  const cache = new Map<Token, Uint8Array>();
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens;
  const vocabularyType = String(model.vocabularyType);
  return (token) => {
    const cached = cache.get(token);
    if (cached) return cached;
    const piece = model.detokenize([token]);
    let bytes: Uint8Array = encoder.encode(piece);
    const entry = vocabulary?.[token];
    if (piece.includes(replacement) && entry !== undefined) {
      bytes = (vocabularyType === 'bpe' ? byteLevelBytes(entry) : sentencePieceBytes(entry)) ?? bytes;
    }
    cache.set(token, bytes);
    return bytes;
  };
}

/** GPT-2's printable stand-ins for bytes, reversed: each character of a byte-level piece is one byte. */
const byteOfCharacter: ReadonlyMap<number, number> = (() => {
  const map = new Map<number, number>();
  let next = 256;
  for (let byte = 0; byte < 256; byte += 1) {
    const printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
    map.set(printable ? byte : next++, byte);
  }
  return map;
})();

function byteLevelBytes(entry: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const character of entry) {
    const byte = byteOfCharacter.get(character.codePointAt(0) ?? -1);
    if (byte === undefined) return null;
    bytes.push(byte);
  }
  return Uint8Array.from(bytes);
}

function sentencePieceBytes(entry: string): Uint8Array | null {
  const match = /^<0x([0-9A-Fa-f]{2})>$/.exec(entry);
  return match?.[1] ? Uint8Array.of(Number.parseInt(match[1], 16)) : null;
}
