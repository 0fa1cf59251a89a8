/**
 * The PC/SC card session without pcscd: the chain check behind `CardIdentity.chainValid` (a CPS
 * card's authentication certificate is trusted only when it leads, link by verified link, to a
 * root in the bundle policy names, `cardTrustedRootsFile`; the agent refuses a card sign-in whose
 * chain is not valid), and the PIN check through a reader in process.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { chainIsValid, parsePemBundle, PcscCardSession } from '../../../../app/adapters/pcsc/card-session.js';
import type { PcscContextLike } from '../../../../app/adapters/pcsc/transaction.js';
import { createCardPki, issueCardCertificate, type CardPki } from '../../../harness/pki.js';
import { VirtualCps3Card, type VirtualCard } from '../../../harness/vcard/index.js';

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

/** One reader holding `card`, in process: what the PC/SC binding would give the session. */
function readerWith(card: VirtualCard, name = 'In-process Reader 00 00'): () => PcscContextLike {
  // SCARD_STATE_PRESENT, and pcsc-lite's card event counter (1) in the upper 16 bits.
  const state = 0x20 | (1 << 16);
  return () => ({
    listReaders: () => [
      {
        name,
        atr: Buffer.from(card.atr),
        state,
        connect: async () => ({
          atr: Buffer.from(card.atr),
          transmit: async (command) => Buffer.from(card.process(Uint8Array.from(command))),
          disconnect: () => undefined,
        }),
      },
    ],
    waitForChange: async () => null,
    cancel: () => undefined,
    close: () => undefined,
  });
}

describe('the PIN check of the card session', () => {
  it("pads the PIN as the card's AODF says, so that the right PIN is not counted wrong", async () => {
    const card = await VirtualCps3Card.create({
      holder: HOLDER,
      pki,
      pin: '4321',
      pinPadding: { storedLength: 8, padChar: 0xff },
    });
    const session = new PcscCardSession([], { createContext: readerWith(card) });
    expect((await session.readIdentity('In-process Reader 00 00')).pinTriesLeft).toBe(3);
    expect(await session.verifyPin('In-process Reader 00 00', new TextEncoder().encode('4321'))).toEqual({
      ok: true,
    });
    expect(card.pinTriesLeft).toBe(3);
    // A session that checks the PIN without an identity read first reads the format from the card.
    const fresh = new PcscCardSession([], { createContext: readerWith(card) });
    expect(await fresh.verifyPin('In-process Reader 00 00', new TextEncoder().encode('4321'))).toEqual({
      ok: true,
    });
  });
});
