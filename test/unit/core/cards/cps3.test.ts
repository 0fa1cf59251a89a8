/** The CPS3 profile against the virtual CPS3 card, in process (the same card pcscd sees in integration tests). */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, verify, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { identifyAtr } from '../../../../app/core/cards/atr.js';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../../../app/core/cards/cps.js';
import { CardDataError, readAll } from '../../../../app/core/cards/tlv.js';
import { cpsIdentityFromCertificate, parseCertificate } from '../../../../app/core/cards/x509.js';
import { parseCdf, parseOdf } from '../../../../app/core/cards/pkcs15.js';
import { createCardPki, type CardPki } from '../../../harness/pki.js';
import { VirtualCps3Card } from '../../../harness/vcard/index.js';

const NURSE = { surname: 'Martin', givenName: 'Claire', nationalId: '899700075122', profession: 'Infirmier' };
let pki: CardPki;
beforeAll(async () => {
  pki = await createCardPki();
});

const transmitTo = (card: VirtualCps3Card) => async (command: Uint8Array) => card.process(command);
const pin = (digits: string) => new TextEncoder().encode(digits);

describe.each(['T=0', 'T=1'] as const)('CPS3 card over %s', (protocol) => {
  it('reads serial, certificate and identity through PKCS#15, without spending a PIN try', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol, serialDigits: '31415926' });
    const profile = identifyAtr(card.atr).profile;
    expect(profile).toBe('cps3-contact');
    const data = await readCpsCard(transmitTo(card), profile);
    expect(data.serial).toBe('8025000001314159267');
    expect(data.identity).toEqual({
      nationalId: '899700075122',
      surname: 'Martin',
      givenName: 'Claire',
      profession: 'Infirmier',
      displayName: 'Claire Martin',
    });
    expect(Buffer.from(data.authCertificate)).toEqual(Buffer.from(card.certificate));
    expect(data.pinReference).toBe(1);
    expect(await readPinTriesLeft(transmitTo(card), profile, data.pinReference)).toBe(3);
    expect(card.pinTriesLeft).toBe(3);
  });

  it('checks the PIN exactly once per call, counts down, and blocks at zero', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol });
    const t = transmitTo(card);
    expect(await verifyPin(t, 'cps3-contact', 1, pin('0000'))).toEqual({
      ok: false,
      reason: 'wrong-pin',
      triesLeft: 2,
    });
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(2);
    expect(await verifyPin(t, 'cps3-contact', 1, pin('1234'))).toEqual({ ok: true });
    expect(card.pinTriesLeft).toBe(3);
    card.reset();
    await verifyPin(t, 'cps3-contact', 1, pin('0000'));
    await verifyPin(t, 'cps3-contact', 1, pin('0000'));
    expect(await verifyPin(t, 'cps3-contact', 1, pin('0000'))).toEqual({ ok: false, reason: 'card-blocked' });
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(0);
    expect(await verifyPin(t, 'cps3-contact', 1, pin('1234'))).toEqual({ ok: false, reason: 'card-blocked' });
  });

  it('signs a SHA-256 digest with the authentication key after the PIN, verifiable with the certificate', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol });
    const t = transmitTo(card);
    const message = Buffer.from('header.payload');
    const digest = createHash('sha256').update(message).digest();
    await expect(signDigest(t, 'cps3-contact', digest)).rejects.toThrow(
      /INTERNAL AUTHENTICATE refused by the card \(status 6982\)/,
    );
    await verifyPin(t, 'cps3-contact', 1, pin('1234'));
    const signature = await signDigest(t, 'cps3-contact', digest);
    expect(signature).toHaveLength(256);
    const publicKey = new X509Certificate(Buffer.from(card.certificate)).publicKey;
    expect(verify('sha256', message, publicKey, Buffer.from(signature))).toBe(true);
  });
});

describe('card parsers on bad input', () => {
  it('refuses non-CPS cards with a clear message', async () => {
    await expect(readCpsCard(async () => Uint8Array.from([0x90, 0x00]), 'unknown')).rejects.toThrow(
      /not a CPS card/,
    );
  });

  it('TLV, X.509 and PKCS#15 parsers answer garbage with a CardDataError, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const parse of [readAll, parseCertificate, cpsIdentityFromCertificate, parseOdf, parseCdf] as ((
          b: Uint8Array,
        ) => unknown)[]) {
          try {
            parse(bytes);
          } catch (error) {
            if (!(error instanceof CardDataError)) throw error;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reports a truncated certificate as truncated', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki });
    expect(() => parseCertificate(card.certificate.subarray(0, 200))).toThrow(/truncated/);
  });
});
