import { describe, expect, it } from 'vitest';
import { buildVocabulary, bytesToUnicode, specialTokens } from './tokenizer.ts';

describe('bytesToUnicode', () => {
  it("spells every byte as one distinct visible character, as GPT-2's table does", () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x41]).toBe('A');
    expect(table[0x20]).toBe('Ġ');
    expect(table[0x0a]).toBe('Ċ');
    expect(table[0x00]).toBe('Ā');
    expect(table[0xff]).toBe('ÿ');
  });
});

describe('buildVocabulary', () => {
  const vocabulary = buildVocabulary();

  it('is the same every time', () => {
    expect(buildVocabulary()).toEqual(vocabulary);
  });

  it('starts with the 256 byte tokens, learns a few hundred merges of whole tokens, and ends with control tokens', () => {
    expect(vocabulary.tokens.slice(0, 256)).toEqual(bytesToUnicode());
    expect(vocabulary.merges.length).toBeGreaterThanOrEqual(250);
    const known = new Set(vocabulary.tokens);
    for (const merge of vocabulary.merges) {
      const [left, right] = merge.split(' ') as [string, string];
      expect(known.has(left) && known.has(right) && known.has(left + right), merge).toBe(true);
    }
    expect(vocabulary.merges.slice(0, 3)).toEqual(['Ġ t', 'h e', 'Ġ a']);
    expect(vocabulary.tokens).toContain('Ġthe');
    expect(vocabulary.tokens.slice(-3)).toEqual([...specialTokens]);
    expect(vocabulary.tokenTypes.slice(-4)).toEqual([1, 3, 3, 3]);
    expect(vocabulary.specialTokenIds['<|im_end|>']).toBe(vocabulary.tokens.length - 1);
  });
});
