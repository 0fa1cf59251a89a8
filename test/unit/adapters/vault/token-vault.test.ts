/**
 * The per-person token vault, with a fake IdP and an in-memory vault: one refresh at a time per
 * person, the rotated refresh token stored before the new access token is handed out,
 * `invalid_grant` ending in "ask the person again" with no retry, and logout revoking.
 */
import { describe, expect, it } from '@jest/globals';
import { TokenVault, tokenAccount } from '../../../../app/adapters/vault/token-vault.js';
import type {
  IdentityProvider,
  RefreshResult,
  SecretStore,
  TokenSet,
} from '../../../../app/core/ports/index.js';
import { MemorySecretStore } from '../../../harness/sim/memory-stores.js';

const NOW = 1_800_000_000_000;

function tokens(n: number, expiresAt = NOW + 300_000): TokenSet {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, idToken: null, expiresAt };
}

class FakeIdp implements Pick<IdentityProvider, 'refresh' | 'revoke'> {
  readonly refreshed: string[] = [];
  readonly revoked: TokenSet[] = [];
  next: () => RefreshResult = () => ({ ok: true, tokens: tokens(2) });
  private release: (() => void) | null = null;
  /** When set, refreshes wait for `releaseRefresh()`. */
  hold = false;

  async refresh(refreshToken: string): Promise<RefreshResult> {
    this.refreshed.push(refreshToken);
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    return this.next();
  }

  async revoke(set: TokenSet): Promise<void> {
    this.revoked.push(set);
  }

  releaseRefresh(): void {
    this.release?.();
  }
}

function setup(now = NOW) {
  const store = new MemorySecretStore();
  const idp = new FakeIdp();
  const vault = new TokenVault({ store, idp, now: () => now });
  return { store, idp, vault };
}

describe('TokenVault', () => {
  it('hands out a stored access token that is not about to expire, without calling the IdP', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1));
    expect(await vault.accessToken('claire.martin')).toEqual({
      ok: true,
      accessToken: 'access-1',
      expiresAt: NOW + 300_000,
    });
    expect(idp.refreshed).toEqual([]);
  });

  it('asks for the person again when it holds no tokens for them', async () => {
    const { vault } = setup();
    expect(await vault.accessToken('nobody')).toEqual({ ok: false, reason: 'reauthenticate' });
  });

  it('refreshes once for concurrent callers, and stores the rotated tokens before handing them out', async () => {
    const { vault, idp, store } = setup();
    await vault.save('claire.martin', tokens(1, NOW + 10_000));
    idp.hold = true;
    const calls = [
      vault.accessToken('claire.martin'),
      vault.accessToken('claire.martin'),
      vault.accessToken('claire.martin'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    idp.releaseRefresh();
    const results = await Promise.all(calls);
    expect(idp.refreshed).toEqual(['refresh-1']);
    for (const result of results)
      expect(result).toEqual({ ok: true, accessToken: 'access-2', expiresAt: NOW + 300_000 });
    expect(JSON.parse((await store.get(tokenAccount('claire.martin'))) ?? '{}')).toMatchObject({
      refreshToken: 'refresh-2',
    });
  });

  it('does not hand out the new access token when the vault cannot keep the rotated refresh token', async () => {
    const { vault, store } = setup();
    await vault.save('claire.martin', tokens(1, NOW + 10_000));
    store.set = async () => {
      throw new Error('vault locked');
    };
    expect(await vault.accessToken('claire.martin')).toEqual({ ok: false, reason: 'vault-unavailable' });
  });

  it('on invalid_grant drops the tokens and asks the person again, without retrying', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1, NOW + 10_000));
    idp.next = () => ({ ok: false, reason: 'reauthenticate' });
    expect(await vault.accessToken('claire.martin')).toEqual({ ok: false, reason: 'reauthenticate' });
    expect(await vault.accessToken('claire.martin')).toEqual({ ok: false, reason: 'reauthenticate' });
    expect(idp.refreshed).toEqual(['refresh-1']);
    expect(await vault.load('claire.martin')).toBeNull();
  });

  it('keeps using a still-valid access token while the IdP is unreachable, and keeps the tokens', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1, NOW + 10_000));
    idp.next = () => ({ ok: false, reason: 'idp-unreachable' });
    expect(await vault.accessToken('claire.martin')).toEqual({
      ok: true,
      accessToken: 'access-1',
      expiresAt: NOW + 10_000,
    });
    expect(await vault.load('claire.martin')).not.toBeNull();
  });

  it('reports the IdP unreachable once the access token has expired', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1, NOW - 1));
    idp.next = () => ({ ok: false, reason: 'idp-unreachable' });
    expect(await vault.accessToken('claire.martin')).toEqual({ ok: false, reason: 'idp-unreachable' });
  });

  it('logout revokes at the IdP and forgets; a refresh finishing during logout is revoked too', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1, NOW + 10_000));
    idp.hold = true;
    const refreshing = vault.accessToken('claire.martin');
    await new Promise((resolve) => setImmediate(resolve));
    const loggingOut = vault.logout('claire.martin');
    idp.releaseRefresh();
    await Promise.all([refreshing, loggingOut]);
    expect(idp.revoked.map((set) => set.accessToken)).toEqual(['access-2']);
    expect(await vault.load('claire.martin')).toBeNull();
  });

  it('forgets the tokens at logout even when revocation fails', async () => {
    const { vault, idp } = setup();
    await vault.save('claire.martin', tokens(1));
    idp.revoke = async () => {
      throw new Error('unreachable');
    };
    await vault.logout('claire.martin');
    expect(await vault.load('claire.martin')).toBeNull();
  });

  it('reads back a save it was not waited for, and never lets that save land after a forget', async () => {
    const store = new MemorySecretStore();
    const slowStore: SecretStore = {
      get: (account) => store.get(account),
      delete: (account) => store.delete(account),
      set: async (account, secret) => {
        await new Promise((resolve) => setTimeout(resolve, 20)); // a keyring taking its time
        await store.set(account, secret);
      },
    };
    const slowVault = new TokenVault({ store: slowStore, idp: new FakeIdp(), now: () => NOW });
    const saving = slowVault.save('claire.martin', tokens(1));
    // Asked for at once, while the write is still under way: the saved tokens, not "none".
    expect(await slowVault.accessToken('claire.martin')).toEqual({
      ok: true,
      accessToken: 'access-1',
      expiresAt: NOW + 300_000,
    });
    void slowVault.save('claire.martin', tokens(2));
    await slowVault.forget('claire.martin');
    await saving;
    expect(await store.get(tokenAccount('claire.martin'))).toBeNull();
  });

  it('treats unreadable stored tokens as none', async () => {
    const { vault, store } = setup();
    await store.set(tokenAccount('claire.martin'), '{"accessToken": 42}');
    expect(await vault.accessToken('claire.martin')).toEqual({ ok: false, reason: 'reauthenticate' });
  });
});
