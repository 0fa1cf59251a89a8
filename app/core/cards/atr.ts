/**
 * Which kind of badge a reader holds, from its Answer To Reset. An ordered registry: the first
 * match wins, so specific cards come before the generic contactless rule (a contactless CPS3
 * also starts with `3B 8F 80 01`, the prefix every PC/SC contactless reader synthesises).
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

const hex = (text: string): string => text.replace(/\s+/g, '').toUpperCase();

interface AtrRule {
  readonly matches: (atrHex: string) => boolean;
  readonly match: AtrMatch;
}

const RULES: readonly AtrRule[] = [
  {
    matches: (atr) => atr === hex('3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00'),
    match: {
      profile: 'cps3-contact',
      badgeKind: 'cps-card',
      contact: true,
      description: 'CPS3 card (contact, IAS-ECC)',
    },
  },
  {
    matches: (atr) => atr === hex('3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E'),
    match: {
      profile: 'cps3-contactless',
      badgeKind: 'cps-card',
      contact: false,
      description: 'CPS3 card (contactless)',
    },
  },
  {
    matches: (atr) =>
      [
        '3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44',
        '3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44',
        '3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00',
      ]
        .map(hex)
        .includes(atr),
    match: { profile: 'cps4', badgeKind: 'cps-card', contact: true, description: 'CPS4 card (ChipDoc)' },
  },
  {
    // 3B 8n 80 01 …: the ATR a PC/SC contactless reader builds for an ISO 14443 card (PC/SC part
    // 3: storage cards carry the RID A0 00 00 03 06; ISO 14443-4 cards their historical bytes).
    matches: (atr) => /^3B8[0-9A-F]8001/.test(atr),
    match: {
      profile: 'contactless-uid',
      badgeKind: 'rfid',
      contact: false,
      description: 'contactless badge (UID)',
    },
  },
];

export function identifyAtr(atr: Uint8Array): AtrMatch {
  const atrHex = toHex(atr);
  for (const rule of RULES) if (rule.matches(atrHex)) return rule.match;
  return {
    profile: 'unknown',
    badgeKind: null,
    contact: true,
    description: atr.length === 0 ? 'a card with an empty ATR' : `an unknown card (ATR ${atrHex})`,
  };
}
