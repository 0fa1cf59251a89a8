/**
 * What the PC/SC readers hold right now, without reading any card: names, presence, ATR and
 * what the ATR says the card is. For `releve readers`; the agent uses the badge source.
 */
import { toHex } from '../../core/badge.js';
import { identifyAtr, type AtrMatch } from '../../core/cards/index.js';
import { createPcscContext, type PcscContextLike } from './transaction.js';

export interface PcscReaderSnapshot {
  readonly name: string;
  readonly cardPresent: boolean;
  /** Upper-case hex; null when no card. */
  readonly atr: string | null;
  /** What the ATR says the card is; null when no card. */
  readonly card: AtrMatch | null;
}

/**
 * Lists the PC/SC readers once. Rejects with a sentence when the smart-card service is not
 * running (there is then no reader to list).
 */
export function snapshotPcscReaders(
  createContext: () => PcscContextLike = createPcscContext,
): PcscReaderSnapshot[] {
  let context: PcscContextLike;
  try {
    context = createContext();
  } catch (error) {
    throw new Error(
      `the smart-card service is not running (${error instanceof Error ? error.message : String(error)}); on Linux start pcscd, on Windows the "Smart Card" service`,
      { cause: error },
    );
  }
  try {
    let readers: ReturnType<PcscContextLike['listReaders']>;
    try {
      readers = context.listReaders();
    } catch (error) {
      // pcsc-lite answers "no readers" with an error; that is an empty list, not a failure.
      if (/No readers/i.test(error instanceof Error ? error.message : String(error))) return [];
      throw error;
    }
    return readers.map((reader) => {
      const atr = reader.atr && reader.atr.length > 0 ? Uint8Array.from(reader.atr) : null;
      return {
        name: reader.name,
        cardPresent: atr !== null,
        atr: atr ? toHex(atr) : null,
        card: atr ? identifyAtr(atr) : null,
      };
    });
  } finally {
    try {
      context.close();
    } catch {
      // already gone
    }
  }
}
