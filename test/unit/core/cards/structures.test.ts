/** The card structures read right: X.509 checked against node:crypto, PKCS#15 choices, the ATR registry. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { parseAodf, parseCdf, parseOdf, holderPin, parsePrkdf } from '../../../../app/core/cards/pkcs15.js';
import { identifyAtr } from '../../../../app/core/cards/profiles.js';
import { cpsIdentityFromCertificate, decodeOid, parseCertificate } from '../../../../app/core/cards/x509.js';
import { CardProtocolError } from '../../../../app/core/cards/apdu.js';
import { createCardPki, issueCardCertificate, type CardPki } from '../../../harness/pki.js';
import { VirtualUidBadge } from '../../../harness/vcard/index.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
let pki: CardPki;
beforeAll(async () => {
  pki = await createCardPki();
});

describe('X.509', () => {
  it('reads serial, names, validity and the signed parts exactly as node:crypto does', async () => {
    const issued = await issueCardCertificate(pki, {
      surname: 'Pharmach',
      givenName: 'Carole',
      nationalId: '899700075122',
      profession: 'Pharmacien',
    });
    const node = new X509Certificate(Buffer.from(issued.der));
    const info = parseCertificate(issued.der);
    expect(info.serialNumber.replace(/^00/, '')).toBe(node.serialNumber.toUpperCase());
    expect(info.notBefore).toBe(Date.parse(node.validFrom));
    expect(info.notAfter).toBe(Date.parse(node.validTo));
    // The multi-valued RDN stays one RDN of three attributes.
    expect(info.subject).toEqual([
      [{ oid: '2.5.4.6', value: 'FR' }],
      [{ oid: '2.5.4.12', value: 'Pharmacien' }],
      [
        { oid: '2.5.4.4', value: 'PHARMACH0075122' },
        { oid: '2.5.4.3', value: '899700075122' },
        { oid: '2.5.4.42', value: 'CAROLE' },
      ],
    ]);
    expect(info.issuer.flat().find((a) => a.oid === '2.5.4.3')?.value).toBe(
      'TEST AC IGC-SANTE FORT PERSONNES',
    );
    expect(info.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    const spki = createPublicKey({
      key: Buffer.from(info.subjectPublicKeyInfo),
      format: 'der',
      type: 'spki',
    });
    expect(spki.equals(node.publicKey)).toBe(true);
    // The issuer's signature verifies over the raw TBSCertificate: what a chain check needs.
    const issuerKey = new X509Certificate(pki.intermediatePem).publicKey;
    expect(verify('sha256', info.tbsCertificate, issuerKey, info.signature)).toBe(true);
    expect(cpsIdentityFromCertificate(issued.der)).toEqual({
      nationalId: '899700075122',
      surname: 'Pharmach',
      givenName: 'Carole',
      profession: 'Pharmacien',
      displayName: 'Carole Pharmach',
    });
  });

  it('capitalises compound names and keeps accents', async () => {
    const issued = await issueCardCertificate(pki, {
      surname: 'Le Gall-Hervé',
      givenName: 'Jean-François',
      nationalId: '10100000042',
      profession: 'Médecin',
    });
    expect(cpsIdentityFromCertificate(issued.der)).toMatchObject({
      surname: 'Le Gall-Hervé',
      givenName: 'Jean-François',
      displayName: 'Jean-François Le Gall-Hervé',
      profession: 'Médecin',
    });
  });

  it('decodes object identifiers, including large and first-arc-2 ones, and refuses a cut one', () => {
    expect(decodeOid(hex('55 04 03'))).toBe('2.5.4.3');
    expect(decodeOid(hex('2A 86 48 86 F7 0D 01 01 0B'))).toBe('1.2.840.113549.1.1.11');
    expect(decodeOid(hex('88 37 03'))).toBe('2.999.3');
    expect(() => decodeOid(hex('2A 86'))).toThrow(CardProtocolError);
  });
});

describe('PKCS#15', () => {
  it('EF.ODF: private keys, public keys, certificates and PINs, paths direct or tagged', () => {
    const odf = parseOdf(
      hex(`A0 06 30 04 04 02 50 35
           A1 08 A0 06 30 04 04 02 50 36
           A4 06 30 04 04 02 50 33
           A8 08 30 06 04 04 3F 00 50 34
           00 00 00`),
    );
    expect(odf).toEqual({ prkdf: hex('5035'), pukdf: hex('5036'), cdf: hex('5033'), aodf: hex('3F005034') });
  });

  it('CDF: labels in UTF-8, the iD, and a path with its index and length', () => {
    const label = Buffer.from("Certificat d'Authentification CPS é", 'utf8');
    const entry = Uint8Array.from([
      0x30,
      label.length + 25,
      0x30,
      label.length + 2,
      0x0c,
      label.length,
      ...label,
      0x30,
      0x03,
      0x04,
      0x01,
      0x07,
      0xa1,
      0x0e,
      0x30,
      0x0c,
      0x30,
      0x0a,
      0x04,
      0x02,
      0xc0,
      0x01,
      0x02,
      0x01,
      0x10,
      0x80,
      0x01,
      0x40,
    ]);
    expect(parseCdf(entry)).toEqual([
      {
        label: "Certificat d'Authentification CPS é",
        id: hex('07'),
        path: hex('C001'),
        index: 16,
        length: 64,
      },
    ]);
  });

  it('AODF: the holder PIN is chosen over an unblocking code listed first, with its format', () => {
    const pinObject = (flags: number, reference: number, stored: number, pad: number[]) => {
      const attributes = [
        0x03,
        0x02,
        0x01,
        flags,
        0x0a,
        0x01,
        0x01,
        0x02,
        0x01,
        0x04,
        0x02,
        0x01,
        stored,
        0x80,
        0x01,
        reference,
        ...pad,
      ];
      const typed = [0xa1, attributes.length + 2, 0x30, attributes.length, ...attributes];
      const body = [0x30, 0x02, 0x0c, 0x00, 0x30, 0x03, 0x04, 0x01, reference, ...typed];
      return [0x30, body.length, ...body];
    };
    // flags: 0x4A = local, initialized, unblockingPin; 0x4C = local, initialized, needs-padding.
    const aodf = Uint8Array.from([
      ...pinObject(0x4a, 0x02, 8, []),
      ...pinObject(0x4c, 0x01, 8, [0x04, 0x01, 0xff]),
    ]);
    expect(parseAodf(aodf).map((p) => [p.reference, p.unblocking])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(holderPin(aodf)).toMatchObject({
      reference: 1,
      needsPadding: true,
      padChar: 0xff,
      storedLength: 8,
      minLength: 4,
    });
    expect(() => holderPin(Uint8Array.from(pinObject(0x4a, 0x02, 8, [])))).toThrow(
      'no PIN for the card holder in the AODF',
    );
  });

  it('PrKDF: the key reference, found by the certificate iD', () => {
    const entry = hex(`30 1F 30 0E 0C 0C 43 50 53 5F 50 52 49 56 5F 41 55 54
                       30 0B 04 01 01 03 02 06 40 02 02 00 81
                       A1 00`);
    expect(() => parsePrkdf(entry)).toThrow(CardProtocolError); // [1] is empty
    const fixed = hex(`30 25 30 0E 0C 0C 43 50 53 5F 50 52 49 56 5F 41 55 54
                       30 0B 04 01 01 03 02 06 40 02 02 00 81
                       A1 06 30 04 02 02 08 00`);
    expect(parsePrkdf(fixed)).toEqual([{ label: 'CPS_PRIV_AUT', id: hex('01'), keyReference: 0x81 }]);
  });
});

describe('ATR registry', () => {
  it.each([
    ['3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00', 'cps3-contact', 'cps-card', true],
    ['3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E', 'cps3-contactless', 'cps-card', false],
    ['3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44', 'cps4', 'cps-card', true],
    ['3B 9B 18 80 01 00 12 25 00 64 80 00 04 01 00 90 44', 'cps4', 'cps-card', true],
    ['3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00', 'cps4', 'cps-card', true],
    ['3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 02 00 00 00 00 69', 'contactless-uid', 'rfid', false],
    ['3B 81 80 01 80 80', 'contactless-uid', 'rfid', false],
  ] as const)('%s → %s', (atr, profile, badgeKind, contact) => {
    expect(identifyAtr(hex(atr))).toMatchObject({ profile, badgeKind, contact });
  });

  it('names the badges hospitals use, and says what an unknown card is', () => {
    expect(identifyAtr(new VirtualUidBadge('04A1B2C3').atr).description).toBe(
      'contactless badge (MIFARE Classic 1K)',
    );
    expect(identifyAtr(new VirtualUidBadge('04A1B2C3D4E5F6', { kind: 'desfire' }).atr).description).toBe(
      'contactless badge (ISO 14443-4 card)',
    );
    expect(identifyAtr(hex('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 02 00 00 00 00 69')).description).toBe(
      'contactless badge (MIFARE Classic 4K)',
    );
    expect(identifyAtr(hex('3B 6E 00 00 80 31 80 66 B0 84 0C 01 6E 01 83 00 90 00'))).toEqual({
      profile: 'unknown',
      badgeKind: null,
      contact: true,
      description: 'an unknown card (ATR 3B6E000080318066B0840C016E0183009000)',
    });
    expect(identifyAtr(new Uint8Array(0)).description).toBe('a card with an empty ATR');
    // A 3B 8n 80 01 prefix whose length does not match n is not a reader-made ATR.
    expect(identifyAtr(hex('3B 85 80 01 00')).profile).toBe('unknown');
  });
});
