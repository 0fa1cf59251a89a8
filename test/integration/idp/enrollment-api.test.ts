/**
 * The reference IdP's enrollment API (`POST /badges`): a signed-in person binds a new badge and
 * sets its PIN with their own (DPoP-bound) access token; the badge then signs them in.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { createHttpsFetch } from '../../../app/adapters/idp/https-fetch.js';
import { OidcIdentityProvider } from '../../../app/adapters/idp/oidc-identity-provider.js';
import { clientRecordAccount } from '../../../app/adapters/idp/workstation-client.js';
import { startReferenceIdp, type ReferenceIdp } from '../../harness/idp/reference-idp.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';

let idp: ReferenceIdp;
beforeAll(async () => {
  idp = await startReferenceIdp();
});
afterAll(async () => {
  await idp.stop();
});

describe('POST /badges', () => {
  it('binds a new badge with a new PIN for the holder of a DPoP-bound access token, and refuses a bare bearer use of it', async () => {
    const store = new MemorySecretStore();
    const provider = new OidcIdentityProvider({
      issuer: idp.issuer,
      secretStore: store,
      initialAccessToken: idp.initialAccessToken,
      caPem: idp.caPem,
    });
    const signIn = await provider.signInWithBadge('04112233445566', new TextEncoder().encode('4321'));
    if (!signIn.ok) throw new Error('sign-in failed');
    const accessToken = signIn.value.tokens.accessToken;
    const fetch = createHttpsFetch({ caPem: idp.caPem });
    const url = `${idp.issuer}/badges`;
    const body = JSON.stringify({ badgeId: '04C0FFEE1234', pin: '8642' });

    const bare = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body,
    });
    expect(bare.status).toBe(401);

    // The proof is made with the workstation's DPoP key, as the agent's enrollment would.
    const record = JSON.parse((await store.get(clientRecordAccount(idp.issuer))) ?? '{}') as { dpopKey: JWK };
    const { d: _private, ...publicJwk } = record.dpopKey;
    const proof = await new SignJWT({
      htm: 'POST',
      htu: url,
      jti: randomUUID(),
      ath: createHash('sha256').update(accessToken).digest('base64url'),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
      .setIssuedAt()
      .sign(await importJWK(record.dpopKey, 'ES256'));
    const enrolled = await fetch(url, {
      method: 'POST',
      headers: { authorization: `DPoP ${accessToken}`, dpop: proof, 'content-type': 'application/json' },
      body,
    });
    expect(enrolled.status).toBe(201);
    expect(await enrolled.json()).toEqual({ personId: 'paul.durand', badgeId: '04C0FFEE1234' });

    const withNewBadge = await provider.signInWithBadge('04C0FFEE1234', new TextEncoder().encode('8642'));
    expect(withNewBadge.ok ? withNewBadge.value.person.personId : withNewBadge.failure.reason).toBe(
      'paul.durand',
    );
  });

  it('refuses a request without a valid access token', async () => {
    const fetch = createHttpsFetch({ caPem: idp.caPem });
    const answer = await fetch(`${idp.issuer}/badges`, {
      method: 'POST',
      headers: { authorization: 'Bearer forged' },
      body: '{}',
    });
    expect(answer.status).toBe(401);
  });
});
