/**
 * Turns the bytes of generated tokens into output text: whole UTF-8 characters only (byte-level
 * vocabularies split characters across tokens), and never text that may be the start of a stop string,
 * which is held back until the following tokens show whether it is one.
 */
export class TextAssembler {
  private readonly decoder = new TextDecoder('utf-8');
  private held = '';
  private readonly stops: string[];

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((stop) => stop !== '');
  }

  /** Adds one token's bytes: the text now safe to emit, and whether a stop string ended the output. */
  push(bytes: Uint8Array): { text: string; stopped: boolean } {
    this.held += this.decoder.decode(bytes, { stream: true });
    let stopAt = -1;
    for (const stop of this.stops) {
      const at = this.held.indexOf(stop);
      if (at !== -1 && (stopAt === -1 || at < stopAt)) stopAt = at;
    }
    if (stopAt !== -1) {
      const text = this.held.slice(0, stopAt);
      this.held = '';
      return { text, stopped: true };
    }
    const keep = this.longestStopPrefixAtEnd();
    const text = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    return { text, stopped: false };
  }

  /** Ends the output: the text still held back. An unfinished character at the very end is dropped. */
  finish(): string {
    this.decoder.decode();
    const text = this.held;
    this.held = '';
    return text;
  }

  private longestStopPrefixAtEnd(): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, this.held.length); length > longest; length -= 1) {
        if (this.held.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
