import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseSequence } from '../../../../app/core/esso/sequence.js';

describe('keystroke sequences', () => {
  it('reads the KeePass-style placeholders, literal text and braces', () => {
    expect(parseSequence('{CLEARFIELD}{USERNAME}@chu{TAB}{PASSWORD}{DELAY 200}{ENTER}{{}x{}}')).toEqual({
      ok: true,
      steps: [
        { kind: 'clear-field' },
        { kind: 'slot', slot: 'username' },
        { kind: 'text', text: '@chu' },
        { kind: 'key', key: 'Tab' },
        { kind: 'slot', slot: 'password' },
        { kind: 'delay', ms: 200 },
        { kind: 'key', key: 'Return' },
        { kind: 'text', text: '{x}' },
      ],
    });
  });

  it.each([
    ['{USERNAME', '"{" not closed at position 1'],
    ['{PASWORD}', 'unknown placeholder {PASWORD} at position 1'],
    ['a}', '"}" without "{" at position 2'],
    ['{DELAY 60000}', '{DELAY 60000} at position 1: at most 5000 ms'],
    ['{USERNAME}\n', 'a control character at position 11: use {ENTER}, {TAB}...'],
    ['', 'empty'],
  ])('refuses %j: %s', (source, problem) => {
    expect(parseSequence(source)).toEqual({ ok: false, problem });
  });

  it('answers every string with steps or a problem, never an exception', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (source) => {
        const parsed = parseSequence(source);
        expect(typeof parsed.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
