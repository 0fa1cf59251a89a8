import type { Person } from '../identity.js';

export interface CardIdentity {
  readonly person: Person;
  /** The card's serial number (EF.SN.ICC). */
  readonly serial: string;
  /** PIN tries left, read without spending one (VERIFY with no data); null when the card will not say. */
  readonly pinTriesLeft: number | null;
  /** The authentication certificate chains to a root that policy trusts. */
  readonly chainValid: boolean;
}

export type CardError =
  | { readonly code: 'card-removed' }
  | { readonly code: 'unknown-card'; readonly atr: string }
  | { readonly code: 'card-error'; readonly detail: string }
  | { readonly code: 'timeout' };

/**
 * A CPS card in a reader. Contract:
 * - Each call is one short exclusive transaction; none is held across user input, and the
 *   card's verified state is re-checked before each use (any application may reset it).
 * - `readIdentity` never spends a PIN try.
 * - Every call is bounded in time and rejects with a CardError, never hangs.
 */
export interface CardSession {
  readIdentity(readerName: string): Promise<CardIdentity>;
  /** SHA-256 digest in, PKCS#1 v1.5 signature by the authentication key out (after a verified PIN). */
  signDigest(readerName: string, digest: Uint8Array): Promise<Uint8Array>;
  /** The authentication certificate, DER, for the `x5c` of an assertion. */
  authenticationCertificate(readerName: string): Promise<Uint8Array>;
}
