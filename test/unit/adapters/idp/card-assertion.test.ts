/**
 * The CPS card's JWT bearer assertion as the workstation builds it, and the reference IdP's
 * check of it: a signature made the card's way (PKCS#1 v1.5 over the SHA-256 DigestInfo)
 * verifies as RS256; a wrong key, another PKI, a replay or a wrong audience do not pass.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import {
  buildCardAssertion,
  CardSignatureError,
  sha256DigestInfo,
} from '../../../../app/adapters/idp/card-assertion.js';
import { checkCardAssertion, nationalIdOf } from '../../../harness/idp/card-assertion.js';
import { cardSigner } from '../../../harness/idp/card-signer.js';
import {
  createCardPki,
  issueCardCertificate,
  type CardPki,
  type IssuedCertificate,
} from '../../../harness/pki.js';

const ISSUER = 'https://idp.example';
const DOCTOR = { surname: 'Durand', givenName: 'Paul', nationalId: '810001234567', profession: 'Médecin' };
let pki: CardPki;
let card: IssuedCertificate;

beforeAll(async () => {
  pki = await createCardPki();
  card = await issueCardCertificate(pki, DOCTOR);
});

const build = (overrides: Partial<Parameters<typeof buildCardAssertion>[0]> = {}): Promise<string> =>
  buildCardAssertion({
    clientId: 'ws-1',
    audience: ISSUER,
    nationalId: DOCTOR.nationalId,
    certificate: card.der,
    sign: cardSigner(card.privateKey),
    now: Date.now(),
    ...overrides,
  });

const check = (assertion: string, trust: CardPki = pki, seenJti = new Set<string>(), audiences = [ISSUER]) =>
  checkCardAssertion(
    assertion,
    { rootPems: [trust.rootPem], intermediatePems: [trust.intermediatePem] },
    { clientId: 'ws-1', audiences, seenJti, now: new Date() },
  );

describe('the card assertion', () => {
  it('wraps the digest in the SHA-256 DigestInfo (51 bytes) and refuses other lengths', () => {
    const info = sha256DigestInfo(new Uint8Array(32).fill(0xab));
    expect(info.length).toBe(51);
    expect(Buffer.from(info.subarray(0, 19)).toString('hex')).toBe('3031300d060960864801650304020105000420');
    expect(() => sha256DigestInfo(new Uint8Array(20))).toThrow(RangeError);
  });

  it('is accepted by the IdP check, which reads the national ID from the certificate CN', async () => {
    expect(nationalIdOf(new X509Certificate(card.der))).toBe('810001234567');
    expect(await check(await build())).toEqual({ ok: true, nationalId: '810001234567' });
  });

  it('is not built when the card signs with another key', async () => {
    const other = await issueCardCertificate(pki, DOCTOR);
    await expect(build({ sign: cardSigner(other.privateKey) })).rejects.toBeInstanceOf(CardSignatureError);
  });

  it('is refused from a card of another PKI, when replayed, for another audience, or for another subject', async () => {
    const foreign = await createCardPki();
    expect((await check(await build(), foreign)).ok).toBe(false);
    const seen = new Set<string>();
    const once = await build();
    expect((await check(once, pki, seen)).ok).toBe(true);
    expect(await check(once, pki, seen)).toEqual({ ok: false, reason: 'the assertion was already used' });
    expect((await check(await build(), pki, new Set(), ['https://other.example'])).ok).toBe(false);
    expect((await check(await build({ nationalId: '899700075122' }))).ok).toBe(false);
  });

  it('is refused when expired', async () => {
    expect((await check(await build({ now: Date.now() - 10 * 60_000 }))).ok).toBe(false);
  });
});
