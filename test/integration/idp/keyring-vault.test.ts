/**
 * The OS vault for real: KeyringSecretStore against gnome-keyring's Secret Service on a session
 * bus, and what lives in it — the workstation's IdP registration and each person's tokens.
 * Run through test/harness/with-keyring.sh, which provides the bus and an unlocked keyring.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { KeyringSecretStore } from '../../../app/adapters/vault/keyring-secret-store.js';
import { TokenVault } from '../../../app/adapters/vault/token-vault.js';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { clientRecordAccount } from '../../../app/adapters/idp/workstation-client.js';
import { startReferenceIdp, type ReferenceIdp } from '../../harness/idp/reference-idp.js';

// Each run files its entries under its own service name, so runs never see each other's.
const service = `Releve-test-${randomUUID()}`;

/** Without a bus every test here fails with this message: a missing vault is not a pass. */
function requireSessionBus(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error(
      'No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): run the keyring tests through ' +
        'test/harness/with-keyring.sh, e.g. test/harness/with-keyring.sh node_modules/.bin/node ' +
        '--experimental-vm-modules node_modules/jest/bin/jest.js test/integration/idp',
    );
  }
}

describe('KeyringSecretStore on gnome-keyring', () => {
  const store = new KeyringSecretStore({ service });
  beforeAll(requireSessionBus);

  it('keeps a secret, reads it back, and forgets it', async () => {
    const account = `probe-${randomUUID()}`;
    expect(await store.get(account)).toBeNull();
    await store.set(account, 'sécret: 1234 ✓');
    expect(await store.get(account)).toBe('sécret: 1234 ✓');
    await store.set(account, 'replaced');
    expect(await store.get(account)).toBe('replaced');
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeNull();
    expect(await store.delete(account)).toBe(false);
  });

  it('keeps entries of different services apart', async () => {
    const other = new KeyringSecretStore({ service: `${service}-other` });
    await store.set('shared-name', 'mine');
    expect(await other.get('shared-name')).toBeNull();
    await store.delete('shared-name');
  });

  it('refuses an account name that is not plain text, without touching the vault', async () => {
    await expect(store.set('bad\nname', 'x')).rejects.toThrow('printable ASCII');
  });
});

describe('the IdP registration and tokens in the keyring', () => {
  let idp: ReferenceIdp | undefined;
  beforeAll(async () => {
    requireSessionBus();
    idp = await startReferenceIdp();
  });
  afterAll(async () => {
    await idp?.stop();
  });

  it('a restarted agent finds its registration in the keyring, and a person’s tokens survive there until logout', async () => {
    if (!idp) throw new Error('the reference IdP did not start');
    const store = new KeyringSecretStore({ service });
    const options = { issuer: idp.issuer, secretStore: store, caPem: idp.caPem };
    const first = new OidcIdentityProvider({ ...options, initialAccessToken: idp.initialAccessToken });
    const signIn = await first.signInWithBadge('04A1B2C3D4E5F6', new TextEncoder().encode('1234'));
    if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.failure.reason}`);
    const vault = new TokenVault({ store, idp: first });
    await vault.save(signIn.value.person.personId, signIn.value.tokens);

    // Restart: no initial access token, a new adapter and vault over the same keyring.
    const restarted = new OidcIdentityProvider({ ...options, initialAccessToken: null });
    let clock = Date.now();
    const restartedVault = new TokenVault({ store, idp: restarted, now: () => clock });
    const stored = await restartedVault.accessToken('claire.martin');
    expect(stored).toEqual({
      ok: true,
      accessToken: signIn.value.tokens.accessToken,
      expiresAt: signIn.value.tokens.expiresAt,
    });

    // Near expiry: refreshed through the IdP, the rotated tokens kept in the keyring.
    clock = signIn.value.tokens.expiresAt - 1000;
    const refreshed = await restartedVault.accessToken('claire.martin');
    if (!refreshed.ok) throw new Error(`refresh failed: ${refreshed.reason}`);
    expect(refreshed.accessToken).not.toBe(signIn.value.tokens.accessToken);
    expect((await restartedVault.load('claire.martin'))?.refreshToken).not.toBe(
      signIn.value.tokens.refreshToken,
    );

    await restartedVault.logout('claire.martin');
    expect(await restartedVault.load('claire.martin')).toBeNull();
    expect(await restartedVault.accessToken('claire.martin')).toEqual({
      ok: false,
      reason: 'reauthenticate',
    });
    await store.delete(clientRecordAccount(idp.issuer));
  });
});
