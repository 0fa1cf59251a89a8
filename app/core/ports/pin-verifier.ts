export type PinCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'wrong-pin'; readonly triesLeft: number | null }
  | { readonly ok: false; readonly reason: 'card-blocked' }
  | { readonly ok: false; readonly reason: 'card-removed' | 'card-error' | 'timeout' };

/**
 * Checks a PIN where it lives (on the card: VERIFY). Contract:
 * - Exactly one check per call: it never retries, replays or tests a PIN by itself.
 * - It never keeps the PIN: the caller owns the bytes and zeroes them after the call.
 * - It never logs the PIN, and no error it raises contains it.
 */
export interface PinVerifier {
  verifyPin(readerName: string, pin: Uint8Array): Promise<PinCheck>;
}
