/**
 * From characters to X11 key presses on whatever layout the desktop has (QWERTY, AZERTY...).
 * The server's keyboard mapping says which keycode at which level produces each keysym; a
 * character the layout cannot produce directly (a dead-key composition such as « ê » on AZERTY,
 * or « ß » on a French layout) is typed through a spare keycode remapped for that keystroke,
 * because dead-key composition depends on each application's input method and cannot be
 * relied upon.
 */

/** Keysyms of the keys profiles name, of the modifiers the driver presses, and of editing keys. */
export const KEYSYMS = {
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  space: 0x20,
  BackSpace: 0xff08,
  Up: 0xff52,
  Down: 0xff54,
  Home: 0xff50,
  End: 0xff57,
  Shift_L: 0xffe1,
  Control_L: 0xffe3,
  Caps_Lock: 0xffe5,
  ISO_Level3_Shift: 0xfe03,
} as const;

/** The keysym of a character: Latin-1 directly, anything else in the Unicode keysym range. */
export function keysymOf(char: string): number {
  const code = char.codePointAt(0)!;
  if (code === 0x20ac) return 0x20ac; // EuroSign: a legacy keysym, what layouts map
  if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return code;
  return 0x01000000 + code;
}

export type Modifier = 'shift' | 'level3';

export type Stroke =
  | { readonly kind: 'key'; readonly keycode: number; readonly modifiers: readonly Modifier[] }
  /** The character is not on the layout: put its keysym on a spare keycode for this keystroke. */
  | { readonly kind: 'remap'; readonly keysym: number };

/** Levels in the core mapping's row: group 1 level 1 and 2, then group 1 level 3 and 4 (XKB's layout). */
const LEVELS: readonly (readonly [number, readonly Modifier[]])[] = [
  [0, []],
  [1, ['shift']],
  [4, ['level3']],
  [5, ['shift', 'level3']],
];

export class Keymap {
  private readonly byKeysym = new Map<number, { keycode: number; modifiers: readonly Modifier[] }>();
  /** Keycodes with no keysym at all: free to borrow for one keystroke. */
  readonly spareKeycodes: readonly number[];

  /**
   * @param rows the server's mapping, one row of keysyms per keycode from `firstKeycode`
   */
  constructor(
    readonly firstKeycode: number,
    readonly rows: readonly (readonly number[])[],
  ) {
    const spare: number[] = [];
    for (const [level, modifiers] of LEVELS) {
      rows.forEach((row, index) => {
        const keysym = row[level];
        // The first (least modified) place a keysym appears is the one to use.
        if (keysym && !this.byKeysym.has(keysym))
          this.byKeysym.set(keysym, { keycode: firstKeycode + index, modifiers });
      });
    }
    rows.forEach((row, index) => {
      if (row.every((keysym) => keysym === 0)) spare.push(firstKeycode + index);
    });
    this.spareKeycodes = spare;
  }

  /** Records that a spare keycode now carries this keysym (on every level, no modifier needed). */
  lend(keysym: number, keycode: number): void {
    this.byKeysym.set(keysym, { keycode, modifiers: [] });
  }

  get keysymsPerKeycode(): number {
    return this.rows[0]?.length ?? 0;
  }

  keycodeOf(keysym: number): number | null {
    return this.byKeysym.get(keysym)?.keycode ?? null;
  }

  /** How to type one keysym: directly with its modifiers, or through a spare keycode. */
  strokeFor(keysym: number): Stroke {
    const direct = this.byKeysym.get(keysym);
    if (direct) {
      const needsLevel3 = direct.modifiers.includes('level3');
      if (!needsLevel3 || this.keycodeOf(KEYSYMS.ISO_Level3_Shift) !== null)
        return { kind: 'key', keycode: direct.keycode, modifiers: direct.modifiers };
    }
    return { kind: 'remap', keysym };
  }
}
