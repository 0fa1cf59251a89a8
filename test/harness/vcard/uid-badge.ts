import type { VirtualCard } from './vpcd.js';

/**
 * A contactless UID badge (MIFARE Classic, DESFire, …) as a PC/SC contactless reader presents
 * it: the PC/SC part 3 ATR for a storage card, and GET DATA (UID) answered.
 */
export class VirtualUidBadge implements VirtualCard {
  readonly uid: Uint8Array;
  // 3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A: PC/SC part 3 ATR, RID A0 00 00 03 06
  // (PC/SC workgroup), standard 03 (ISO 14443 A part 3), card name 00 01 (MIFARE Classic 1K), TCK 6A.
  readonly atr = Uint8Array.from([
    0x3b, 0x8f, 0x80, 0x01, 0x80, 0x4f, 0x0c, 0xa0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x6a,
  ]);

  constructor(uidHex: string) {
    this.uid = Uint8Array.from(Buffer.from(uidHex, 'hex'));
  }

  process(apdu: Uint8Array): Uint8Array {
    // FF CA 00 00 Le: the reader's pseudo-APDU GET DATA, P1 00 = the UID.
    if (apdu.length >= 4 && apdu[0] === 0xff && apdu[1] === 0xca) {
      if (apdu[2] !== 0x00 || apdu[3] !== 0x00) return Uint8Array.from([0x6a, 0x81]); // function not supported
      return Uint8Array.from([...this.uid, 0x90, 0x00]);
    }
    return Uint8Array.from([0x6d, 0x00]); // instruction not supported
  }

  reset(): void {
    // A storage card has no volatile state worth resetting here.
  }
}
