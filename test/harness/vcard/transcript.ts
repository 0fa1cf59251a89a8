/**
 * APDU conversations as text fixtures: `=> 00A4040C0DE828…` for a command, `<= …9000` for its
 * answer, `#` for comments. A recording transmit writes them from a live (virtual) card; a
 * replaying transmit plays them back and names the first divergence by line.
 */
import type { Transmit } from '../../../app/core/cards/uid.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

export class TranscriptMismatch extends Error {
  override readonly name = 'TranscriptMismatch';
}

/** Wraps a transmit so that every exchange is appended to `lines`. */
export function recording(transmit: Transmit, lines: string[]): Transmit {
  return async (command) => {
    const answer = await transmit(command);
    lines.push(`=> ${hex(command)}`, `<= ${hex(answer)}`);
    return answer;
  };
}

/** Plays a transcript back: each command must be the next one expected. */
export function replaying(text: string): Transmit & { readonly remaining: () => number } {
  const steps = text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'));
  let at = 0;
  const transmit = async (command: Uint8Array): Promise<Uint8Array> => {
    const expected = steps[at];
    const answer = steps[at + 1];
    if (!expected || !answer) throw new TranscriptMismatch(`transcript ended, but got => ${hex(command)}`);
    if (!expected.line.startsWith('=> ') || !answer.line.startsWith('<= ')) {
      throw new TranscriptMismatch(
        `transcript line ${expected.number}: expected a "=>" line then a "<=" line`,
      );
    }
    const wanted = expected.line.slice(3).replace(/\s+/g, '');
    if (wanted !== hex(command)) {
      throw new TranscriptMismatch(
        `transcript line ${expected.number}: expected => ${wanted}, got => ${hex(command)}`,
      );
    }
    at += 2;
    return Uint8Array.from(Buffer.from(answer.line.slice(3).replace(/\s+/g, ''), 'hex'));
  };
  return Object.assign(transmit, { remaining: () => (steps.length - at) / 2 });
}
