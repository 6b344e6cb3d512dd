import { describe, expect, it } from 'vitest';
import { TextAssembler } from './text-assembler.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function run(assembler: TextAssembler, pieces: Uint8Array[]) {
  const texts: string[] = [];
  for (const piece of pieces) {
    const { text, stopped } = assembler.push(piece);
    texts.push(text);
    if (stopped) return { texts, stopped: true };
  }
  texts.push(assembler.finish());
  return { texts, stopped: false };
}

describe('TextAssembler', () => {
  it('emits a character split across tokens once it is whole', () => {
    const euro = bytes('€'); // three bytes
    const { texts } = run(new TextAssembler(), [
      bytes('a'),
      euro.subarray(0, 1),
      euro.subarray(1, 2),
      euro.subarray(2),
      bytes('b'),
    ]);
    expect(texts).toEqual(['a', '', '', '€', 'b', '']);
  });

  it('drops an unfinished character at the very end', () => {
    const { texts } = run(new TextAssembler(), [bytes('ok'), bytes('€').subarray(0, 2)]);
    expect(texts.join('')).toBe('ok');
  });

  it('stops before a stop string that spans tokens and never emits any of it', () => {
    const { texts, stopped } = run(new TextAssembler(['END']), [bytes('one E'), bytes('N'), bytes('D two')]);
    expect(stopped).toBe(true);
    expect(texts).toEqual(['one ', '', '']);
  });

  it('releases held text when it turns out not to be a stop string', () => {
    const { texts, stopped } = run(new TextAssembler(['END']), [
      bytes('E'),
      bytes('N'),
      bytes('o'),
      bytes('E'),
    ]);
    expect(stopped).toBe(false);
    expect(texts).toEqual(['', '', 'ENo', '', 'E']);
  });

  it('stops at the earliest of several stop strings', () => {
    const { texts } = run(new TextAssembler(['xyz', 'b']), [bytes('axyb'), bytes('z')]);
    expect(texts).toEqual(['axy']);
  });
});
