/** The pads' digits: what the PIN pad and the national-ID pad show as a person types. */
import { describe, expect, it } from '@jest/globals';
import { DigitEntry } from '../../../app/renderer/screen-logic.js';

describe('DigitEntry', () => {
  it('keeps at most the allowed digits, and says so at the next one', () => {
    const entry = new DigitEntry();
    for (const d of '1234') entry.type(d, 4, 'trop long');
    expect(entry.text).toBe('1234');
    expect(entry.note).toBeNull();
    entry.type('5', 4, 'trop long');
    expect(entry.text).toBe('1234');
    expect(entry.note).toBe('trop long');
  });

  it('erasing a digit takes the note away', () => {
    const entry = new DigitEntry();
    entry.type('1', 1, 'trop long');
    entry.type('2', 1, 'trop long');
    entry.erase();
    expect(entry.text).toBe('');
    expect(entry.note).toBeNull();
  });

  it('clearing overwrites the digits it held before dropping them', () => {
    const entry = new DigitEntry();
    entry.type('7', 4, 'trop long');
    const held = entry.digits;
    entry.clear();
    expect(held).toEqual(['']);
    expect(entry.text).toBe('');
    expect(entry.note).toBeNull();
  });
});
