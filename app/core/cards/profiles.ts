/**
 * Which kind of badge a reader holds, from its Answer To Reset. An ordered registry, first match
 * wins: the CPS cards come before the generic contactless rule because a contactless CPS3 also
 * starts with `3B 8F 80 01`, the prefix every PC/SC contactless reader synthesises — swapped, a
 * CPS3 held to a contactless reader would be read as a mere UID badge. Anything unmatched is
 * 'unknown' with a description; no ATR, however odd, makes this throw.
 */
import { toHex } from '../badge.js';

export type CardProfileId = 'cps3-contact' | 'cps3-contactless' | 'cps4' | 'contactless-uid' | 'unknown';

export interface AtrMatch {
  readonly profile: CardProfileId;
  readonly badgeKind: 'cps-card' | 'rfid' | null;
  /** A contact card stays in the reader while its holder works. */
  readonly contact: boolean;
  readonly description: string;
}

interface AtrRule {
  /** Returns the match for this ATR (upper-case hex, no spaces; the bytes too), or null. */
  readonly match: (atrHex: string, atr: Uint8Array) => AtrMatch | null;
}

const hex = (text: string): string => text.replace(/\s+/g, '').toUpperCase();

const exactly =
  (atrs: readonly string[], match: AtrMatch): AtrRule['match'] =>
  (atr) =>
    atrs.map(hex).includes(atr) ? match : null;

/** PC/SC part 3 card names (the NN bytes of a storage card's ATR) for the badges hospitals use. */
const STORAGE_CARD_NAMES: Readonly<Record<string, string>> = {
  '0001': 'MIFARE Classic 1K',
  '0002': 'MIFARE Classic 4K',
  '0003': 'MIFARE Ultralight',
  '0026': 'MIFARE Mini',
  '003A': 'MIFARE Ultralight C',
};

/**
 * 3B 8n 80 01 <n historical bytes> TCK: the ATR a PC/SC contactless reader builds for an ISO 14443
 * card (PC/SC part 3). TS 3B; T0 8n = TD1 follows, n historical bytes; TD1 80 = TD2 follows, T=0
 * announced; TD2 01 = T=1; then the historical bytes and the check byte. For a storage card the
 * historical bytes are 80 4F 0C A0 00 00 03 06 SS NN NN 00 00 00 00 (RID A0 00 00 03 06 of the
 * PC/SC workgroup, SS the standard, NN NN the card name); for ISO 14443-4 cards they are the
 * card's own (type A: from its ATS; type B: from its ATQB).
 */
function contactlessPcsc(atr: string, bytes: Uint8Array): AtrMatch | null {
  if (!/^3B8[0-9A-F]8001/.test(atr)) return null;
  const historical = bytes[1]! & 0x0f;
  if (bytes.length !== 4 + historical + 1) return null;
  const storage = /^3B8F8001804F0CA000000306(..)(....)/.exec(atr);
  const name = storage
    ? (STORAGE_CARD_NAMES[storage[2]!] ?? `storage card ${storage[2]!}`)
    : 'ISO 14443-4 card';
  return {
    profile: 'contactless-uid',
    badgeKind: 'rfid',
    contact: false,
    description: `contactless badge (${name})`,
  };
}

const RULES: readonly AtrRule[] = [
  {
    match: exactly(['3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00'], {
      profile: 'cps3-contact',
      badgeKind: 'cps-card',
      contact: true,
      description: 'CPS3 card (contact, IAS-ECC)',
    }),
  },
  {
    match: exactly(['3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E'], {
      profile: 'cps3-contactless',
      badgeKind: 'cps-card',
      contact: false,
      description: 'CPS3 card (contactless)',
    }),
  },
  {
    match: exactly(
      [
        '3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44',
        '3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44',
        '3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00',
      ],
      { profile: 'cps4', badgeKind: 'cps-card', contact: true, description: 'CPS4 card (ChipDoc)' },
    ),
  },
  // Last: any contactless card a PC/SC reader presents is at least a UID badge.
  { match: contactlessPcsc },
];

export function identifyAtr(atr: Uint8Array): AtrMatch {
  const atrHex = toHex(atr);
  for (const rule of RULES) {
    const match = rule.match(atrHex, atr);
    if (match) return match;
  }
  return {
    profile: 'unknown',
    badgeKind: null,
    contact: true,
    description:
      atr.length === 0
        ? 'a card with an empty ATR'
        : `an unknown card (ATR ${atrHex.slice(0, 66)}${atr.length > 33 ? '…' : ''})`,
  };
}
