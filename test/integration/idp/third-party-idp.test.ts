/**
 * The agent's IdP client against a standard oidc-provider configured like a third-party IdP:
 * registration (RFC 7591), the password grant and refresh, but neither CIBA nor the JWT bearer
 * grant nor DPoP. Then the clients IT registers in an IdP's console: private_key_jwt with the
 * key `releve idp register` keeps in the vault, and a client secret `releve idp set-secret` put
 * there. Real HTTPS on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import {
  clientKeyAccount,
  clientSecretAccount,
  ensureClientKey,
} from '../../../app/adapters/idp/workstation-client.js';
import type { IdpResult, SignedInPerson } from '../../../app/core/ports/index.js';
import { NURSE } from '../../harness/people.js';
import { startReferenceIdp, THIRD_PARTY_OFFER, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';

const pinOf = (digits: string): Uint8Array => new TextEncoder().encode(digits);

let idp: ReferenceIdp;

function signedIn(result: IdpResult): SignedInPerson {
  if (!result.ok) throw new Error(`expected a sign-in, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

beforeAll(async () => {
  idp = await startReferenceIdp({ offer: THIRD_PARTY_OFFER });
});
afterAll(async () => {
  await idp.stop();
});
afterEach(() => {
  expect(idp.serverErrors).toEqual([]);
});

describe('a third-party IdP without CIBA, JWT bearer or DPoP', () => {
  it('registers the workstation for what the IdP offers, and signs the badge holder in and refreshes', async () => {
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const session = signedIn(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
    expect(session.person.nationalId).toBe(NURSE.nationalId);
    expect(session.tokens.refreshToken).not.toBeNull();
    const refreshed = await provider.refresh(session.tokens.refreshToken ?? '');
    expect(refreshed.ok).toBe(true);
  });

  it('answers a CPS card sign-in with an IdP error, not a crash, when the IdP has no JWT bearer grant', async () => {
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const result = await provider.signInWithCard({
      nationalId: '810001234567',
      certificate: new Uint8Array([0x30, 0x00]),
      sign: () => Promise.resolve(new Uint8Array(256)),
    });
    expect(result.ok).toBe(false);
  });
});

describe('e-CPS offered only where the IdP can do CIBA', () => {
  it('is not offered by a workstation of an IdP without CIBA, and is once a CIBA IdP has been seen', async () => {
    const withoutCiba = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    expect(withoutCiba.offersEcps()).toBe(false);
    signedIn(await withoutCiba.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
    expect(withoutCiba.offersEcps()).toBe(false);

    const full = await startReferenceIdp();
    try {
      const withCiba = new OidcIdentityProvider({
        issuer: full.issuer,
        secretStore: new MemorySecretStore(),
        initialAccessToken: full.initialAccessToken,
        caPem: full.caPem,
      });
      // Unknown until the IdP has been seen: not offered rather than offered in vain.
      expect(withCiba.offersEcps()).toBe(false);
      signedIn(await withCiba.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
      expect(withCiba.offersEcps()).toBe(true);
    } finally {
      await full.stop();
    }
  });
});

describe('a client IT registered in the IdP console', () => {
  it('signs in with private_key_jwt, the key made once by `idp register` and kept in the vault', async () => {
    const vault = new MemorySecretStore();
    const printed = await ensureClientKey(vault, 'releve-ward-3');
    expect(printed.created).toBe(true);
    expect(printed.jwk).not.toHaveProperty('d');
    expect(printed.pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await vault.get(clientKeyAccount('releve-ward-3'))).toContain('"d"');
    // Run twice, the command shows the same key: it never replaces one IT may have pasted.
    expect((await ensureClientKey(vault, 'releve-ward-3')).jwk).toEqual(printed.jwk);
    await idp.registerClient({
      client_id: 'releve-ward-3',
      grant_types: ['password', 'refresh_token'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [printed.jwk] },
    });
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: vault,
      configuredClient: { clientId: 'releve-ward-3', authMethod: 'private_key_jwt' },
      caPem: idp.caPem,
    });
    const session = signedIn(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));
    expect(session.person.personId).toBe(NURSE.personId);
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'signs in with a client secret from the vault (%s), and refuses safely with a wrong one',
    async (authMethod) => {
      const clientId = `releve-secret-${authMethod}`;
      const secret = 'cLi3nt-s3cret-from-the-console-0123456789abcdef';
      await idp.registerClient({
        client_id: clientId,
        client_secret: secret,
        grant_types: ['password', 'refresh_token'],
        response_types: [],
        token_endpoint_auth_method: authMethod,
      });
      const vault = new MemorySecretStore();
      await vault.set(clientSecretAccount(clientId), secret);
      const provider = new OidcIdentityProvider({
        issuer: idp.issuer,
        secretStore: vault,
        configuredClient: { clientId, authMethod },
        caPem: idp.caPem,
      });
      signedIn(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin)));

      const wrongVault = new MemorySecretStore();
      await wrongVault.set(clientSecretAccount(clientId), 'not-the-secret');
      const wrong = new OidcIdentityProvider({
        issuer: idp.issuer,
        secretStore: wrongVault,
        configuredClient: { clientId, authMethod },
        caPem: idp.caPem,
      });
      expect(await wrong.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin))).toEqual({
        ok: false,
        failure: { reason: 'idp-error' },
      });
      // The IT client is never forgotten or replaced by a self-registration.
      expect(await wrongVault.get(clientSecretAccount(clientId))).toBe('not-the-secret');
    },
  );

  it('fails safely when the vault holds no credential for the configured client', async () => {
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: new MemorySecretStore(),
      configuredClient: { clientId: 'releve-nowhere', authMethod: 'client_secret_basic' },
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    expect(await provider.signInWithBadge(NURSE.badgeUid, pinOf(NURSE.pin))).toEqual({
      ok: false,
      failure: { reason: 'idp-error' },
    });
  });
});
