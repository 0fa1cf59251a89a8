/**
 * The OIDC adapter against the reference IdP, over real HTTPS on loopback: what the agent gets
 * when a workstation registers, when a nurse taps her badge and types her PIN (right, wrong,
 * too often), when a doctor signs in with his CPS card, when tokens are refreshed and revoked,
 * when the IdP goes away or slows down in the middle of a login, and when e-CPS is approved or
 * refused in the app.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { clientRecordAccount } from '../../../app/adapters/idp/workstation-client.js';
import type { IdpResult, SignedInPerson } from '../../../app/core/ports/index.js';
import { cardSigner } from '../../harness/idp/card-signer.js';
import { startReferenceIdp, type CibaRequest, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import {
  createCardPki,
  issueCardCertificate,
  type CardPki,
  type IssuedCertificate,
} from '../../harness/pki.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';

const NURSE_BADGE = '04A1B2C3D4E5F6';
const DOCTOR_BADGE = '04112233445566';
const AIDE_BADGE = '0455667788';
const pinOf = (digits: string): Uint8Array => new TextEncoder().encode(digits);

let idp: ReferenceIdp;
let doctorCard: IssuedCertificate;
let foreignPki: CardPki;
const providers: OidcIdentityProvider[] = [];

function providerFor(
  target: ReferenceIdp,
  options: Partial<ConstructorParameters<typeof OidcIdentityProvider>[0]> = {},
): OidcIdentityProvider {
  const provider = new OidcIdentityProvider({
    issuer: target.issuer,
    secretStore: new MemorySecretStore(),
    initialAccessToken: target.initialAccessToken,
    caPem: target.caPem,
    ...options,
  });
  providers.push(provider);
  return provider;
}

function signedIn(result: IdpResult): SignedInPerson {
  if (!result.ok) throw new Error(`expected a sign-in, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

beforeAll(async () => {
  idp = await startReferenceIdp();
  [doctorCard, foreignPki] = await Promise.all([
    issueCardCertificate(idp.cardPki, {
      surname: 'Durand',
      givenName: 'Paul',
      nationalId: '810001234567',
      profession: 'Médecin',
    }),
    createCardPki(),
  ]);
});
afterAll(async () => {
  await idp.stop();
});
afterEach(() => {
  idp.setTokenDelay(0);
  expect(idp.serverErrors).toEqual([]);
});

describe('workstation registration', () => {
  it('registers once with the initial access token, keeps its keys in the vault, and signs in with private_key_jwt', async () => {
    const store = new MemorySecretStore();
    const first = providerFor(idp, { secretStore: store });
    signedIn(await first.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    const record = await store.get(clientRecordAccount(idp.issuer));
    expect(record).not.toBeNull();
    expect(JSON.parse(record ?? '{}')).toMatchObject({
      issuer: idp.issuer,
      clientKey: { kty: 'EC', d: expect.any(String) },
    });

    // A later start of the agent: no initial access token any more, the vault is enough.
    const later = providerFor(idp, { secretStore: store, initialAccessToken: null });
    const person = signedIn(await later.signInWithBadge(NURSE_BADGE, pinOf('1234'))).person;
    expect(person.personId).toBe('claire.martin');
    expect(await store.get(clientRecordAccount(idp.issuer))).toBe(record);
  });

  it('does not sign anyone in when the initial access token is wrong, and keeps no registration', async () => {
    const store = new MemorySecretStore();
    const provider = providerFor(idp, { secretStore: store, initialAccessToken: 'not-the-token' });
    expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'idp-error' },
    });
    expect(await store.get(clientRecordAccount(idp.issuer))).toBeNull();
  });

  it('refuses an unregistered workstation without an initial access token', async () => {
    const provider = providerFor(idp, { initialAccessToken: null });
    expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'idp-error' },
    });
  });
});

describe('badge + PIN', () => {
  it('signs the nurse in with her name, profession, national ID and how she authenticated', async () => {
    const value = signedIn(await providerFor(idp).signInWithBadge(NURSE_BADGE, pinOf('1234')));
    expect(value.person).toEqual({
      personId: 'claire.martin',
      displayName: 'Claire Martin',
      nationalId: '899700075122',
      profession: 'Infirmière',
    });
    expect(value.amr).toEqual(['pin', 'badge']);
    expect(value.acr).toBe('eidas1');
    expect(value.tokens.accessToken).not.toBe('');
    expect(value.tokens.refreshToken).not.toBeNull();
    expect(value.tokens.idToken).not.toBeNull();
    expect(value.tokens.expiresAt).toBeGreaterThan(Date.now());
  });

  it('signs in a professional without a national ID link, with nationalId null', async () => {
    const value = signedIn(await providerFor(idp).signInWithBadge(AIDE_BADGE, pinOf('1111')));
    expect(value.person).toEqual({
      personId: 'sophie.petit',
      displayName: 'Sophie Petit',
      nationalId: null,
      profession: 'Aide-soignante',
    });
  });

  it('says the PIN is wrong, with the tries left, and an unknown badge is unknown', async () => {
    const provider = providerFor(idp);
    expect(await provider.signInWithBadge(DOCTOR_BADGE, pinOf('0000'))).toEqual({
      ok: false,
      failure: { reason: 'wrong-pin', triesLeft: 4 },
    });
    // The right PIN resets the count.
    signedIn(await provider.signInWithBadge(DOCTOR_BADGE, pinOf('4321')));
    expect(await provider.signInWithBadge('DEADBEEF', pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'unknown-badge' },
    });
  });

  it('after five wrong PINs the badge is locked, even for the right PIN, and the caller learns when to retry', async () => {
    const lockIdp = await startReferenceIdp({
      tls: idp.tls,
      cardPki: idp.cardPki,
      maxPinFailures: 5,
      lockoutSeconds: 120,
    });
    try {
      const provider = providerFor(lockIdp);
      const reasons: string[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const result = await provider.signInWithBadge(NURSE_BADGE, pinOf('9999'));
        reasons.push(result.ok ? 'ok' : result.failure.reason);
      }
      expect(reasons).toEqual(['wrong-pin', 'wrong-pin', 'wrong-pin', 'wrong-pin']);
      expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('9999'))).toEqual({
        ok: false,
        failure: { reason: 'too-many-attempts', retryAfterSeconds: 120 },
      });
      const rightPin = await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'));
      expect(rightPin.ok).toBe(false);
      expect(rightPin.ok ? null : rightPin.failure.reason).toBe('too-many-attempts');
    } finally {
      await lockIdp.stop();
    }
  });

  it('unlocks the badge once the lockout has run out', async () => {
    let now = Date.now();
    const lockIdp = await startReferenceIdp({
      tls: idp.tls,
      cardPki: idp.cardPki,
      maxPinFailures: 2,
      lockoutSeconds: 60,
      now: () => now,
    });
    try {
      const provider = providerFor(lockIdp);
      await provider.signInWithBadge(NURSE_BADGE, pinOf('9999'));
      const locked = await provider.signInWithBadge(NURSE_BADGE, pinOf('9999'));
      expect(locked.ok ? null : locked.failure.reason).toBe('too-many-attempts');
      now += 61_000;
      signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    } finally {
      await lockIdp.stop();
    }
  });

  it('puts the badge into the username template', async () => {
    const provider = providerFor(idp, { badgeUsernameTemplate: 'rfid:{uid}' });
    // The reference IdP knows only `badge:<UID>`: the template really reaches the request.
    expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'unknown-badge' },
    });
  });
});

describe('CPS card (JWT bearer)', () => {
  it("signs the doctor in with an assertion signed by his card's key", async () => {
    const value = signedIn(
      await providerFor(idp).signInWithCard({
        nationalId: '810001234567',
        certificate: doctorCard.der,
        sign: cardSigner(doctorCard.privateKey),
      }),
    );
    expect(value.person).toEqual({
      personId: 'paul.durand',
      displayName: 'Dr Paul Durand',
      nationalId: '810001234567',
      profession: 'Médecin',
    });
    expect(value.amr).toEqual(['sc', 'hwk', 'pin', 'mfa']);
    expect(value.acr).toBe('eidas3');
  });

  it('refuses a card whose certificate comes from another PKI', async () => {
    const foreignCard = await issueCardCertificate(foreignPki, {
      surname: 'Durand',
      givenName: 'Paul',
      nationalId: '810001234567',
      profession: 'Médecin',
    });
    const result = await providerFor(idp).signInWithCard({
      nationalId: '810001234567',
      certificate: foreignCard.der,
      sign: cardSigner(foreignCard.privateKey),
    });
    expect(result).toEqual({ ok: false, failure: { reason: 'unknown-badge' } });
  });

  it('sends nothing when the card signs with a key that is not its certificate’s', async () => {
    const other = await issueCardCertificate(idp.cardPki, {
      surname: 'Martin',
      givenName: 'Claire',
      nationalId: '899700075122',
      profession: 'Infirmière',
    });
    const requests: string[] = [];
    const listener = (kind: string): void => {
      requests.push(kind);
    };
    const provider = providerFor(idp);
    signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    idp.events.on('token-request', listener);
    try {
      const result = await provider.signInWithCard({
        nationalId: '810001234567',
        certificate: doctorCard.der,
        sign: cardSigner(other.privateKey),
      });
      expect(result).toEqual({ ok: false, failure: { reason: 'idp-error' } });
      expect(requests).toEqual([]);
    } finally {
      idp.events.off('token-request', listener);
    }
  });

  it('refuses a card whose national ID is linked to no account', async () => {
    const stranger = await issueCardCertificate(idp.cardPki, {
      surname: 'Inconnu',
      givenName: 'Jean',
      nationalId: '899999999999',
      profession: 'Médecin',
    });
    const result = await providerFor(idp).signInWithCard({
      nationalId: '899999999999',
      certificate: stranger.der,
      sign: cardSigner(stranger.privateKey),
    });
    expect(result).toEqual({ ok: false, failure: { reason: 'unknown-badge' } });
  });
});

describe('refresh and revocation', () => {
  it('rotates the refresh token, and the old one is refused afterwards: the person must sign in again', async () => {
    const provider = providerFor(idp);
    const { tokens } = signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    const refreshed = await provider.refresh(tokens.refreshToken ?? '');
    if (!refreshed.ok) throw new Error(`refresh failed: ${refreshed.reason}`);
    expect(refreshed.tokens.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.tokens.accessToken).not.toBe(tokens.accessToken);
    expect(await provider.refresh(tokens.refreshToken ?? '')).toEqual({
      ok: false,
      reason: 'reauthenticate',
    });
  });

  it('after revocation the refresh token no longer works', async () => {
    const provider = providerFor(idp);
    const { tokens } = signedIn(await provider.signInWithBadge(DOCTOR_BADGE, pinOf('4321')));
    await provider.revoke(tokens);
    expect(await provider.refresh(tokens.refreshToken ?? '')).toEqual({
      ok: false,
      reason: 'reauthenticate',
    });
  });

  it('a refresh while the IdP is unreachable is not a reason to ask the person again', async () => {
    const downIdp = await startReferenceIdp({ tls: idp.tls, cardPki: idp.cardPki });
    const provider = providerFor(downIdp);
    const { tokens } = signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    await downIdp.stop();
    expect(await provider.refresh(tokens.refreshToken ?? '')).toEqual({
      ok: false,
      reason: 'idp-unreachable',
    });
    await expect(provider.revoke(tokens)).resolves.toBeUndefined();
  });
});

describe('an IdP that fails during a login', () => {
  it('stopped in the middle of a login: a clear failure, and no session', async () => {
    const failingIdp = await startReferenceIdp({ tls: idp.tls, cardPki: idp.cardPki });
    const provider = providerFor(failingIdp);
    // Registered first, so the token request is the one in flight when the IdP goes away.
    signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    failingIdp.setTokenDelay(30_000);
    const arrived = once(failingIdp.events, 'token-request');
    const login = provider.signInWithBadge(NURSE_BADGE, pinOf('1234'));
    await arrived;
    await failingIdp.stop();
    expect(await login).toEqual({ ok: false, failure: { reason: 'idp-unreachable' } });
  });

  it('too slow: the call ends at its timeout with a timeout failure', async () => {
    const provider = providerFor(idp, { timeoutMs: 1500 });
    signedIn(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234')));
    idp.setTokenDelay(20_000);
    expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'timeout' },
    });
  });

  it('an IdP whose certificate the workstation does not trust gets no PIN', async () => {
    const provider = providerFor(idp, { caPem: undefined });
    const requests: string[] = [];
    const listener = (kind: string): void => {
      requests.push(kind);
    };
    idp.events.on('token-request', listener);
    try {
      expect(await provider.signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
        ok: false,
        failure: { reason: 'idp-error' },
      });
      expect(requests).toEqual([]);
    } finally {
      idp.events.off('token-request', listener);
    }
  });

  it('nothing listening at the issuer: unreachable', async () => {
    const goneIdp = await startReferenceIdp({ tls: idp.tls, cardPki: idp.cardPki });
    await goneIdp.stop();
    expect(await providerFor(goneIdp).signInWithBadge(NURSE_BADGE, pinOf('1234'))).toEqual({
      ok: false,
      failure: { reason: 'idp-unreachable' },
    });
  });
});

describe('e-CPS (CIBA, poll mode)', () => {
  async function nextCibaRequest(): Promise<CibaRequest> {
    const [request] = (await once(idp.events, 'ciba-request')) as [CibaRequest];
    return request;
  }

  it('signs the nurse in once she approves in the app; the app shows the binding message', async () => {
    const provider = providerFor(idp);
    const asked = nextCibaRequest();
    const login = provider.signInWithEcps('899700075122', '42');
    const request = await asked;
    expect(request).toMatchObject({
      nationalId: '899700075122',
      bindingMessage: '42',
      personId: 'claire.martin',
    });
    expect(idp.pendingCiba().map((pending) => pending.authReqId)).toContain(request.authReqId);
    await idp.approve(request.authReqId);
    const result = await login;
    if (!result.ok) throw new Error(`e-CPS failed: ${result.failure.reason}`);
    expect(result.value.person.personId).toBe('claire.martin');
    expect(result.value.amr).toEqual(['swk', 'pin', 'mfa']);
  });

  it('refused in the app: denied, no session', async () => {
    const provider = providerFor(idp);
    const asked = nextCibaRequest();
    const login = provider.signInWithEcps('810001234567', '07');
    await idp.deny((await asked).authReqId);
    expect(await login).toEqual({ ok: false, failure: { reason: 'ecps-denied' } });
  });

  it('cancelled on the workstation: cancelled', async () => {
    const provider = providerFor(idp);
    const controller = new AbortController();
    const asked = nextCibaRequest();
    const login = provider.signInWithEcps('810001234567', '07', controller.signal);
    await asked;
    controller.abort();
    expect(await login).toEqual({ ok: false, failure: { reason: 'cancelled' } });
  });
});
