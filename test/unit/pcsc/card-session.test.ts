/**
 * The chain check behind `CardIdentity.chainValid`: a CPS card's authentication certificate is
 * trusted only when it leads, link by verified link, to a root in the bundle policy names
 * (`cardTrustedRootsFile`). The agent refuses a card sign-in whose chain is not valid.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { chainIsValid, parsePemBundle } from '../../../app/adapters/pcsc/card-session.js';
import { createCardPki, issueCardCertificate, type CardPki } from '../../harness/pki.js';

const HOLDER = {
  surname: 'Martin',
  givenName: 'Claire',
  nationalId: '899700075122',
  profession: 'Infirmière',
};
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let pki: CardPki;
/** Another PKI with the very same names (root and intermediate), other keys: a forger's. */
let forged: CardPki;
beforeAll(async () => {
  [pki, forged] = await Promise.all([createCardPki(), createCardPki()]);
});

const bundle = (...pems: string[]) => parsePemBundle(pems.join(''));

describe('the card chain check (chainValid)', () => {
  it('is valid when the certificate leads through the trusted intermediate to the trusted root', async () => {
    const card = await issueCardCertificate(pki, HOLDER);
    expect(chainIsValid(card.der, bundle(pki.rootPem, pki.intermediatePem))).toBe(true);
  });

  it('is not valid when nothing is trusted (no roots file in policy)', async () => {
    const card = await issueCardCertificate(pki, HOLDER);
    expect(chainIsValid(card.der, [])).toBe(false);
  });

  it('is not valid when the certificate comes from a forged intermediate bearing the trusted names', async () => {
    const card = await issueCardCertificate(forged, HOLDER);
    expect(chainIsValid(card.der, bundle(pki.rootPem, pki.intermediatePem))).toBe(false);
    // Nor when the forged intermediate itself is offered next to the trusted root: it does not chain to it.
    expect(chainIsValid(card.der, bundle(pki.rootPem, forged.intermediatePem))).toBe(false);
  });

  it('is not valid when the chain stops short of a root (only the intermediate is in the bundle)', async () => {
    const card = await issueCardCertificate(pki, HOLDER);
    expect(chainIsValid(card.der, bundle(pki.intermediatePem))).toBe(false);
  });

  it('is not valid when a link is missing (only the root is in the bundle)', async () => {
    const card = await issueCardCertificate(pki, HOLDER);
    expect(chainIsValid(card.der, bundle(pki.rootPem))).toBe(false);
  });

  it('is not valid for a certificate that has expired or is not valid yet', async () => {
    // The test CAs became valid a day ago: this certificate lived 12 hours, and ended 8 hours ago.
    const expired = await issueCardCertificate(pki, HOLDER, {
      notBefore: new Date(Date.now() - 20 * HOUR),
      validDays: 0.5,
    });
    const future = await issueCardCertificate(pki, HOLDER, { notBefore: new Date(Date.now() + 10 * DAY) });
    const trusted = bundle(pki.rootPem, pki.intermediatePem);
    expect(chainIsValid(expired.der, trusted)).toBe(false);
    expect(chainIsValid(future.der, trusted)).toBe(false);
    // The same certificates, checked at a time inside their validity, are valid: only time failed them.
    expect(chainIsValid(expired.der, trusted, new Date(Date.now() - 10 * HOUR))).toBe(true);
    expect(chainIsValid(future.der, trusted, new Date(Date.now() + 11 * DAY))).toBe(true);
  });

  it('is not valid for bytes that are no certificate at all', () => {
    const trusted = bundle(pki.rootPem, pki.intermediatePem);
    expect(chainIsValid(new Uint8Array(0), trusted)).toBe(false);
    expect(chainIsValid(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), trusted)).toBe(false);
  });
});
