/** Characters to key presses on the layout in force: AZERTY levels, AltGr, and characters the layout lacks. */
import { describe, expect, it } from '@jest/globals';
import { Keymap, KEYSYMS, keysymOf } from '../../../../app/adapters/esso/keymap.js';

/** A few keycodes of the French layout as the X server reports them (7 keysyms per keycode). */
const FR: Record<number, number[]> = {
  10: [0x26, 0x31, 0x26, 0x31, 0xb9, 0xa1, 0], // & 1 ¹ ¡
  11: [0xe9, 0x32, 0xe9, 0x32, 0x7e, 0, 0], // é 2 ~ (AltGr)
  24: [0x61, 0x41, 0x61, 0x41, 0xe6, 0xc6, 0], // a A æ Æ
  26: [0x65, 0x45, 0x65, 0x45, 0x20ac, 0, 0], // e E € (AltGr)
  34: [0xfe52, 0xfe57, 0, 0, 0, 0, 0], // dead_circumflex dead_diaeresis
  50: [KEYSYMS.Shift_L, 0, 0, 0, 0, 0, 0],
  92: [KEYSYMS.ISO_Level3_Shift, 0, 0, 0, 0, 0, 0],
  93: [0, 0, 0, 0, 0, 0, 0],
  97: [0, 0, 0, 0, 0, 0, 0],
};
const rows = Array.from({ length: 100 - 8 }, (_, i) => FR[i + 8] ?? [0xff00 + i, 0, 0, 0, 0, 0, 0]);
const keymap = new Keymap(8, rows);

describe('keymap', () => {
  it('finds each character at its level: plain, Shift, AltGr', () => {
    expect(keymap.strokeFor(keysymOf('a'))).toEqual({ kind: 'key', keycode: 24, modifiers: [] });
    expect(keymap.strokeFor(keysymOf('A'))).toEqual({ kind: 'key', keycode: 24, modifiers: ['shift'] });
    expect(keymap.strokeFor(keysymOf('1'))).toEqual({ kind: 'key', keycode: 10, modifiers: ['shift'] });
    expect(keymap.strokeFor(keysymOf('é'))).toEqual({ kind: 'key', keycode: 11, modifiers: [] });
    expect(keymap.strokeFor(keysymOf('€'))).toEqual({ kind: 'key', keycode: 26, modifiers: ['level3'] });
    expect(keymap.strokeFor(keysymOf('~'))).toEqual({ kind: 'key', keycode: 11, modifiers: ['level3'] });
  });

  it('sends a character that needs a dead key, or is absent, through a spare keycode', () => {
    expect(keymap.strokeFor(keysymOf('ê'))).toEqual({ kind: 'remap', keysym: 0xea });
    expect(keymap.strokeFor(keysymOf('ß'))).toEqual({ kind: 'remap', keysym: 0xdf });
    expect(keymap.strokeFor(keysymOf('ő'))).toEqual({ kind: 'remap', keysym: 0x01000151 });
    expect(keymap.spareKeycodes).toEqual([93, 97]);
  });

  it('uses a lent keycode once a character has been given one', () => {
    const lent = new Keymap(8, rows);
    lent.lend(0xea, 97);
    expect(lent.strokeFor(0xea)).toEqual({ kind: 'key', keycode: 97, modifiers: [] });
  });
});
