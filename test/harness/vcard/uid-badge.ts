import type { VirtualCard } from './vpcd.js';

/**
 * The ATRs a PC/SC contactless reader synthesises (PC/SC part 3):
 * - a storage card: 3B 8F 80 01 80 4F 0C A0 00 00 03 06 SS NN NN 00 00 00 00 TCK, with the RID
 *   A0 00 00 03 06 (PC/SC workgroup), SS the standard (03 = ISO 14443 A part 3), NN NN the card
 *   name (00 01 = MIFARE Classic 1K), TCK the XOR check byte;
 * - an ISO 14443-4 card: 3B 8n 80 01 then its historical bytes (a DESFire EV1: 80, from its ATS)
 *   and TCK.
 */
const ATRS = {
  'mifare-classic-1k': [
    0x3b, 0x8f, 0x80, 0x01, 0x80, 0x4f, 0x0c, 0xa0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x6a,
  ],
  desfire: [0x3b, 0x81, 0x80, 0x01, 0x80, 0x80],
} as const;

export interface VirtualUidBadgeOptions {
  /** Which badge the reader sees (the ATR it reports). Default: a MIFARE Classic 1K. */
  readonly kind?: keyof typeof ATRS;
}

/**
 * A contactless UID badge (MIFARE Classic, DESFire, …) as a PC/SC contactless reader presents
 * it: the ATR the reader builds, and the reader's GET DATA (UID) answered.
 */
export class VirtualUidBadge implements VirtualCard {
  readonly uid: Uint8Array;
  readonly atr: Uint8Array;
  apduCount = 0;

  constructor(uidHex: string, options: VirtualUidBadgeOptions = {}) {
    if (!/^([0-9A-Fa-f]{2})+$/.test(uidHex)) throw new Error(`a UID is hex bytes, not "${uidHex}"`);
    this.uid = Uint8Array.from(Buffer.from(uidHex, 'hex'));
    this.atr = Uint8Array.from(ATRS[options.kind ?? 'mifare-classic-1k']);
  }

  process(apdu: Uint8Array): Uint8Array {
    this.apduCount += 1;
    // FF CA 00 00 Le: the reader's pseudo-APDU GET DATA, P1 00 = the UID.
    if (apdu.length >= 4 && apdu[0] === 0xff && apdu[1] === 0xca) {
      if (apdu[2] !== 0x00 || apdu[3] !== 0x00) return Uint8Array.from([0x6a, 0x81]); // function not supported
      return Uint8Array.from([...this.uid, 0x90, 0x00]);
    }
    if (apdu[0] === 0xff) return Uint8Array.from([0x6d, 0x00]); // instruction not supported
    return Uint8Array.from([0x6e, 0x00]); // a storage card has no ISO 7816 application
  }

  reset(): void {
    // A storage card has no volatile state worth resetting here.
  }
}
