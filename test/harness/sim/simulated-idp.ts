import { randomBytes } from 'node:crypto';
import type { IdentityProvider, IdpResult, RefreshResult, TokenSet } from '../../../app/core/ports/index.js';
import type { CancelSignal, EcpsResult } from '../../../app/core/ports/identity-provider.js';
import { personOnly, TEST_PEOPLE, type TestPerson } from '../people.js';

/** An e-CPS request waiting for the simulated app's answer. */
export interface SimulatedEcpsRequest {
  readonly nationalId: string;
  readonly bindingMessage: string;
}

/**
 * An in-memory IdP for unit tests and the demo's fallback: badge + PIN checked against the test
 * directory, a lockout after `maxFailures`, opaque random tokens; e-CPS requests that wait until
 * the test answers for the app (`approveEcps`, `denyEcps`, `expireEcps`). The reference IdP
 * (test/harness/idp) is the real OIDC one. Never packaged.
 */
export class SimulatedIdp implements IdentityProvider {
  readonly calls: string[] = [];
  private ecps: { request: SimulatedEcpsRequest; settle: (result: EcpsResult) => void }[] = [];
  private ecpsWaiters: ((request: SimulatedEcpsRequest) => void)[] = [];
  private failures = new Map<string, number>();
  private refreshTokens = new Map<string, string>();
  /** Added to each answer, to make the demo's timings realistic. */
  latencyMs = 0;
  reachable = true;

  constructor(
    private readonly people: readonly TestPerson[] = TEST_PEOPLE,
    private readonly maxFailures = 5,
    /** The workstation's clock (a fake one in tests), for token expiry. */
    private readonly now: () => number = Date.now,
    private readonly tokenLifetimeMs = 300_000,
  ) {}

  /** How many refresh tokens the IdP would still honour. */
  liveGrants(): number {
    return this.refreshTokens.size;
  }

  /** The IdP ends every grant (an administrator's revocation, a password reset): refreshes are refused. */
  endAllGrants(): void {
    this.refreshTokens.clear();
  }

  private async wait(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }

  private tokensFor(person: TestPerson): TokenSet {
    const refreshToken = randomBytes(24).toString('base64url');
    this.refreshTokens.set(refreshToken, person.personId);
    return {
      accessToken: randomBytes(24).toString('base64url'),
      refreshToken,
      idToken: null,
      expiresAt: this.now() + this.tokenLifetimeMs,
    };
  }

  async signInWithBadge(badgeId: string, pin: Uint8Array): Promise<IdpResult> {
    this.calls.push(`badge:${badgeId}`);
    await this.wait();
    if (!this.reachable) return { ok: false, failure: { reason: 'idp-unreachable' } };
    const person = this.people.find((p) => p.badgeUid === badgeId);
    if (!person) return { ok: false, failure: { reason: 'unknown-badge' } };
    const failures = this.failures.get(person.personId) ?? 0;
    if (failures >= this.maxFailures) {
      return { ok: false, failure: { reason: 'too-many-attempts', retryAfterSeconds: 300 } };
    }
    if (Buffer.from(pin).toString('ascii') !== person.pin) {
      this.failures.set(person.personId, failures + 1);
      return { ok: false, failure: { reason: 'wrong-pin', triesLeft: this.maxFailures - failures - 1 } };
    }
    this.failures.delete(person.personId);
    return {
      ok: true,
      value: {
        person: personOnly(person),
        amr: ['pin', 'hwk'],
        acr: 'eidas2',
        tokens: this.tokensFor(person),
      },
    };
  }

  async signInWithCard(card: { readonly nationalId: string }): Promise<IdpResult> {
    this.calls.push(`card:${card.nationalId}`);
    await this.wait();
    if (!this.reachable) return { ok: false, failure: { reason: 'idp-unreachable' } };
    const person = this.people.find((p) => p.nationalId === card.nationalId);
    if (!person) return { ok: false, failure: { reason: 'unknown-badge' } };
    return {
      ok: true,
      value: {
        person: personOnly(person),
        amr: ['pin', 'sc'],
        acr: 'eidas3',
        tokens: this.tokensFor(person),
      },
    };
  }

  /** e-CPS (CIBA): present unless `withoutEcps()` made this an IdP that offers none. */
  signInWithEcps?: (
    nationalId: string,
    bindingMessage: string,
    signal?: CancelSignal,
  ) => Promise<EcpsResult> = (nationalId, bindingMessage, signal) =>
    this.ecpsSignIn(nationalId, bindingMessage, signal);

  /** Makes this an IdP without CIBA: the workstation must not offer e-CPS. */
  withoutEcps(): this {
    this.signInWithEcps = undefined;
    return this;
  }

  private async ecpsSignIn(
    nationalId: string,
    bindingMessage: string,
    signal?: CancelSignal,
  ): Promise<EcpsResult> {
    this.calls.push(`ecps:${nationalId}:${bindingMessage}`);
    await this.wait();
    if (!this.reachable) return { ok: false, failure: { reason: 'idp-unreachable' } };
    if (signal?.aborted) return { ok: false, failure: { reason: 'cancelled' } };
    const person = this.people.find((p) => p.nationalId === nationalId);
    if (!person) return { ok: false, failure: { reason: 'unknown-badge' } };
    const request: SimulatedEcpsRequest = { nationalId, bindingMessage };
    return new Promise<EcpsResult>((resolve) => {
      const entry = {
        request,
        settle: (result: EcpsResult) => {
          this.ecps = this.ecps.filter((e) => e !== entry);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      // Cancelled on the workstation: the request is withdrawn, and the app can no longer approve it.
      const onAbort = (): void => entry.settle({ ok: false, failure: { reason: 'cancelled' } });
      signal?.addEventListener('abort', onAbort);
      this.ecps.push(entry);
      for (const waiter of this.ecpsWaiters.splice(0)) waiter(request);
    });
  }

  /** The e-CPS requests waiting for the app, oldest first. */
  pendingEcps(): readonly SimulatedEcpsRequest[] {
    return this.ecps.map((e) => e.request);
  }

  /** Resolves with the next e-CPS request (or the one already waiting). */
  nextEcpsRequest(): Promise<SimulatedEcpsRequest> {
    const waiting = this.ecps[0];
    if (waiting) return Promise.resolve(waiting.request);
    return new Promise((resolve) => this.ecpsWaiters.push(resolve));
  }

  private settleEcps(answer: (person: TestPerson) => EcpsResult): boolean {
    const entry = this.ecps[0];
    if (!entry) return false;
    const person = this.people.find((p) => p.nationalId === entry.request.nationalId)!;
    entry.settle(answer(person));
    return true;
  }

  /** The person approves in their e-CPS app. False when no request is waiting (withdrawn, answered). */
  approveEcps(): boolean {
    return this.settleEcps((person) => ({
      ok: true,
      value: {
        person: personOnly(person),
        amr: ['swk', 'pin', 'mfa'],
        acr: 'eidas2',
        tokens: this.tokensFor(person),
      },
    }));
  }

  /** The person refuses in their e-CPS app. */
  denyEcps(): boolean {
    return this.settleEcps(() => ({ ok: false, failure: { reason: 'ecps-denied' } }));
  }

  /** The request expires at the IdP unanswered. */
  expireEcps(): boolean {
    return this.settleEcps(() => ({ ok: false, failure: { reason: 'ecps-expired' } }));
  }

  async refresh(refreshToken: string): Promise<RefreshResult> {
    this.calls.push('refresh');
    const personId = this.refreshTokens.get(refreshToken);
    if (!personId) return { ok: false, reason: 'reauthenticate' };
    this.refreshTokens.delete(refreshToken);
    const person = this.people.find((p) => p.personId === personId)!;
    return { ok: true, tokens: this.tokensFor(person) };
  }

  async revoke(tokens: TokenSet): Promise<void> {
    if (tokens.refreshToken) this.refreshTokens.delete(tokens.refreshToken);
  }
}
