/**
 * Each person's OIDC tokens, kept in the OS vault (SecretStore) and nowhere else: no file, no
 * log, no UI. Rules from DESIGN.md, "The central IdP":
 * - one refresh in flight per person (concurrent callers share it);
 * - a rotated refresh token is stored before the new access token is handed out, so a crash or
 *   a vault failure can never leave the only valid refresh token in memory;
 * - `invalid_grant` means "ask the person again": the tokens are dropped, with no retry loop;
 * - logout revokes at the IdP (best effort, bounded by the IdP adapter) and forgets locally even
 *   when the IdP cannot be reached;
 * - a person's vault operations run one after another, in the order they were asked for: a save
 *   the agent does not wait for (a keyring write costs milliseconds the person would otherwise
 *   wait at sign-in) is still read back by the next load, and never lands after a forget.
 */
import { z } from 'zod';
import type { IdentityProvider, TokenSet } from '../../core/ports/identity-provider.js';
import type { SecretStore } from '../../core/ports/secret-store.js';
import type { DiagnosticLog } from '../../core/ports/diagnostic-log.js';

export interface TokenVaultOptions {
  readonly store: SecretStore;
  readonly idp: Pick<IdentityProvider, 'refresh' | 'revoke'>;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
  /** Refresh when the access token has less than this left. Default 30 s. */
  readonly refreshMarginMs?: number;
  readonly log?: DiagnosticLog;
}

export type AccessTokenResult =
  | { readonly ok: true; readonly accessToken: string; readonly expiresAt: number }
  | {
      readonly ok: false;
      /** reauthenticate: no tokens, or the IdP refused the refresh token — ask the person again. */
      readonly reason: 'reauthenticate' | 'idp-unreachable' | 'idp-error' | 'vault-unavailable';
    };

const storedTokensSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).nullable(),
  idToken: z.string().min(1).nullable(),
  expiresAt: z.number().finite(),
});

/** The vault account of one person's tokens (person IDs come from the IdP: keep them plain ASCII). */
export const tokenAccount = (personId: string): string => `tokens:${encodeURIComponent(personId)}`;

export class TokenVault {
  private readonly inFlight = new Map<string, Promise<AccessTokenResult>>();
  /** The tail of each person's queue of vault operations. */
  private readonly vaultQueue = new Map<string, Promise<unknown>>();
  /** Bumped by save/logout: a refresh that started before must not write over what came after. */
  private readonly generation = new Map<string, number>();
  private readonly now: () => number;
  private readonly marginMs: number;

  constructor(private readonly options: TokenVaultOptions) {
    this.now = options.now ?? Date.now;
    this.marginMs = options.refreshMarginMs ?? 30_000;
  }

  /** Runs a vault operation after the person's earlier ones, whatever became of them. */
  private inOrder<T>(personId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.vaultQueue.get(personId) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    const tail = next.catch(() => undefined);
    this.vaultQueue.set(personId, tail);
    void tail.then(() => {
      if (this.vaultQueue.get(personId) === tail) this.vaultQueue.delete(personId);
    });
    return next;
  }

  private bump(personId: string): number {
    const next = (this.generation.get(personId) ?? 0) + 1;
    this.generation.set(personId, next);
    return next;
  }

  /** Keeps a person's tokens after a sign-in. Rejects when the vault is unavailable (then nothing is kept). */
  async save(personId: string, tokens: TokenSet, startAfter?: Promise<unknown>): Promise<void> {
    this.bump(personId);
    const serialized = JSON.stringify(tokens);
    // The write takes its place in the person's order now; `startAfter` only delays its start
    // (the agent lets the session open first), never lets a later operation overtake it.
    await this.inOrder(personId, async () => {
      await startAfter?.catch(() => undefined);
      await this.options.store.set(tokenAccount(personId), serialized);
    });
  }

  /** The stored tokens, or null when there are none (or they are unreadable). */
  async load(personId: string): Promise<TokenSet | null> {
    const raw = await this.inOrder(personId, () => this.options.store.get(tokenAccount(personId)));
    if (raw === null) return null;
    try {
      const parsed = storedTokensSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** A usable access token for the person, refreshing it (once, shared) when it is about to expire. */
  async accessToken(personId: string): Promise<AccessTokenResult> {
    const pending = this.inFlight.get(personId);
    if (pending) return pending;
    let tokens: TokenSet | null;
    try {
      tokens = await this.load(personId);
    } catch {
      return { ok: false, reason: 'vault-unavailable' };
    }
    if (!tokens) return { ok: false, reason: 'reauthenticate' };
    if (tokens.expiresAt - this.now() > this.marginMs) {
      return { ok: true, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    }
    // Another caller may have started the refresh while this one read the vault.
    const raced = this.inFlight.get(personId);
    if (raced) return raced;
    const refreshing = this.refreshNow(personId, tokens).finally(() => this.inFlight.delete(personId));
    this.inFlight.set(personId, refreshing);
    return refreshing;
  }

  private async refreshNow(personId: string, tokens: TokenSet): Promise<AccessTokenResult> {
    const startedAt = this.generation.get(personId) ?? 0;
    if (!tokens.refreshToken) {
      await this.forget(personId).catch(() => undefined);
      return { ok: false, reason: 'reauthenticate' };
    }
    const result = await this.options.idp.refresh(tokens.refreshToken);
    if ((this.generation.get(personId) ?? 0) !== startedAt) {
      // The person signed out (or in again) meanwhile: this answer belongs to nobody now.
      if (result.ok) await this.options.idp.revoke(result.tokens);
      return { ok: false, reason: 'reauthenticate' };
    }
    if (!result.ok) {
      if (result.reason === 'reauthenticate') {
        await this.forget(personId).catch(() => undefined);
        return { ok: false, reason: 'reauthenticate' };
      }
      // The IdP is away: the current access token serves until it really expires.
      if (tokens.expiresAt > this.now())
        return { ok: true, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
      return { ok: false, reason: result.reason };
    }
    try {
      const serialized = JSON.stringify(result.tokens);
      await this.inOrder(personId, () => this.options.store.set(tokenAccount(personId), serialized));
    } catch {
      // The rotated refresh token cannot be kept: using the new access token now would leave the
      // person's only valid refresh token in memory. Ask them again instead.
      this.options.log?.error('The vault refused the rotated tokens; the person must sign in again', {});
      return { ok: false, reason: 'vault-unavailable' };
    }
    return { ok: true, accessToken: result.tokens.accessToken, expiresAt: result.tokens.expiresAt };
  }

  /** Forgets the person's tokens without telling the IdP. */
  async forget(personId: string): Promise<void> {
    this.bump(personId);
    await this.inOrder(personId, () => this.options.store.delete(tokenAccount(personId)));
  }

  /** Logout: waits for a refresh in flight, revokes at the IdP, and forgets the tokens even if that fails. */
  async logout(personId: string): Promise<void> {
    await this.inFlight.get(personId)?.catch(() => undefined);
    const tokens = await this.load(personId).catch(() => null);
    this.bump(personId);
    try {
      if (tokens) await this.options.idp.revoke(tokens);
    } catch {
      // Revocation is best effort (the port's revoke does not throw; a stand-in might).
      this.options.log?.warn('Revocation at logout failed; the tokens are forgotten locally', {});
    }
    await this.inOrder(personId, () => this.options.store.delete(tokenAccount(personId)));
  }
}
