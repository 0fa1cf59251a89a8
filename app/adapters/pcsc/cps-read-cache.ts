/**
 * What the card session read from the CPS card in each reader, so that a card is read in full
 * once per insertion: the identity read fills it, and the PIN check (the PIN reference and
 * format) and the sign-in (the certificate) that follow take what they need from it. A later
 * identity read in the same presence only asks the card what may have changed (its PIN tries
 * left) and what proves it is still the same card (its serial, 3 or 4 APDUs).
 *
 * An entry holds for one presence of one card: it is keyed by reader name, pcsc-lite's card
 * event counter for that reader (upper 16 bits of the reader state: it moves at every insertion
 * and removal) and the ATR. A card taken out and put back, or another card, has another key, so
 * a removal invalidates the entry without anyone having to say so. A counter that starts again
 * (pcscd restarted) cannot give one card's identity to another: the identity read checks the
 * card's serial first. The PIN check takes only the PIN reference and format from an entry, and
 * the sign-in only the certificate, which is public: the signature that must match it is made by
 * the card in the reader. Each card session has its own cache; nothing is shared between
 * modules.
 */
import type { CpsCardData } from '../../core/cards/index.js';

/** One card presence in one reader: null when the PC/SC stack does not say (then nothing is cached). */
export type CardPresence = string | null;

/** The presence key of a reader's state: its card event counter and the card's ATR. */
export function cardPresence(state: number | undefined, atrHex: string): CardPresence {
  if (state === undefined || !atrHex) return null;
  return `${(state >>> 16) & 0xffff}:${atrHex}`;
}

export class CpsReadCache {
  private readonly entries = new Map<string, { presence: string; data: CpsCardData }>();

  /** What was read from the card in `readerName` during this presence, if anything. */
  get(readerName: string, presence: CardPresence): CpsCardData | null {
    if (presence === null) return null;
    const entry = this.entries.get(readerName);
    return entry && entry.presence === presence ? entry.data : null;
  }

  /** Remembers a full read; an unknown presence forgets what was there. */
  set(readerName: string, presence: CardPresence, data: CpsCardData): void {
    if (presence === null) this.entries.delete(readerName);
    else this.entries.set(readerName, { presence, data });
  }
}
