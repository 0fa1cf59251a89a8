import type { Person } from '../identity.js';

/** Opaque to everything but the agent's token store; never crosses to the UI or a log. */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface SignedInPerson {
  readonly person: Person;
  readonly amr: readonly string[];
  readonly acr: string | null;
  readonly tokens: TokenSet;
}

export type IdpFailure =
  | { readonly reason: 'wrong-pin'; readonly triesLeft: number | null }
  | { readonly reason: 'too-many-attempts'; readonly retryAfterSeconds: number | null }
  | { readonly reason: 'unknown-badge' | 'idp-unreachable' | 'idp-error' | 'timeout' };

export type IdpResult =
  | { readonly ok: true; readonly value: SignedInPerson }
  | { readonly ok: false; readonly failure: IdpFailure };

/** What only an e-CPS sign-in can answer, beyond the other methods' failures. */
export type EcpsFailure = { readonly reason: 'ecps-denied' | 'ecps-expired' | 'cancelled' };

export type EcpsResult = IdpResult | { readonly ok: false; readonly failure: EcpsFailure };

/** What the port needs of an AbortSignal (the core sees neither the DOM's nor Node's types). */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export type RefreshResult =
  | { readonly ok: true; readonly tokens: TokenSet }
  /** invalid_grant: ask the person again; never a retry loop. */
  | { readonly ok: false; readonly reason: 'reauthenticate' | 'idp-unreachable' | 'idp-error' };

/**
 * The hospital's central OIDC provider. Contract:
 * - Every call is bounded in time and resolves (never rejects) with a result; a malformed or
 *   hostile answer is an `idp-error`, never a partial sign-in.
 * - Lockout and rate limiting surface as `too-many-attempts`, with when to retry if known.
 * - Secrets passed in (a PIN) are not kept, logged or echoed in any failure.
 */
export interface IdentityProvider {
  /** RFID/HID badge + PIN: the IdP checks the PIN and enforces its lockout. */
  signInWithBadge(badgeId: string, pin: Uint8Array): Promise<IdpResult>;
  /** CPS card: an assertion signed on the card (after its PIN was verified there). */
  signInWithCard(card: {
    readonly nationalId: string;
    readonly certificate: Uint8Array;
    readonly sign: (digest: Uint8Array) => Promise<Uint8Array>;
  }): Promise<IdpResult>;
  /**
   * e-CPS (OpenID CIBA, poll mode): the IdP pushes a request to the person's e-CPS app, found by
   * their national ID (`login_hint`); `bindingMessage` is the code the screen shows and the
   * person picks in the app. Resolves when they approve (`ok`, with the IdP's `amr`), refuse
   * (`ecps-denied`), let it expire (`ecps-expired`), or when `signal` aborts (`cancelled`: the
   * request is no longer polled, and a late approval signs no one in). Bounded by the request's
   * expiry at the IdP. Optional: an IdP that cannot do CIBA leaves it out, and the workstation
   * does not offer e-CPS.
   */
  signInWithEcps?(nationalId: string, bindingMessage: string, signal?: CancelSignal): Promise<EcpsResult>;
  /**
   * Whether the IdP, as last seen, can do e-CPS (CIBA): false while unknown and when it cannot.
   * Synchronous, for the screens; the first call may start finding out. Absent: the presence of
   * `signInWithEcps` decides.
   */
  offersEcps?(): boolean;
  refresh(refreshToken: string): Promise<RefreshResult>;
  revoke(tokens: TokenSet): Promise<void>;
}
