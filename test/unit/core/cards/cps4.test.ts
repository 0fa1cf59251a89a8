/**
 * The CPS4 profile against the virtual CPS4 card: identity found through EF.DIR and PKCS#15, PIN
 * tries read without spending one, VERIFY on channel 1, and a signature made by PSO DECIPHER that
 * verifies as RS256 against the card's certificate. Also the virtual card's own status words.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { CardProtocolError, CardStatusError } from '../../../../app/core/cards/apdu.js';
import {
  pkcs1Type1Block,
  readCps4Serial,
  readCpsCard,
  readCpsSerial,
  readPinTriesLeft,
  signDigest,
  verifyPin,
} from '../../../../app/core/cards/cps.js';
import { identifyAtr } from '../../../../app/core/cards/profiles.js';
import { createCardPki, type CardPki } from '../../../harness/pki.js';
import { recording, VirtualCps4Card } from '../../../harness/vcard/index.js';

const DOCTOR = { surname: 'Durand', givenName: 'Paul', nationalId: '810001234567', profession: 'Médecin' };
const apdu = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const sw = (answer: Uint8Array) =>
  Buffer.from(answer.subarray(answer.length - 2))
    .toString('hex')
    .toUpperCase();
const digits = (text: string) => new TextEncoder().encode(text);
const sha256 = (text: string) => Uint8Array.from(createHash('sha256').update(text).digest());

let pki: CardPki;
beforeAll(async () => {
  pki = await createCardPki();
});

describe('CPS4 profile against the virtual CPS4', () => {
  it.each(['T=0', 'T=1'] as const)(
    '%s: reads the holder, lets the card check the PIN, and signs an RS256 signature the certificate verifies',
    async (protocol) => {
      const card = await VirtualCps4Card.create({ holder: DOCTOR, pki, protocol, serial: '24681357' });
      const { profile } = identifyAtr(card.atr);
      expect(profile).toBe('cps4');
      const t = async (c: Uint8Array) => card.process(c);
      const data = await readCpsCard(t, profile);
      expect(data.serial).toBe('8025000001246813573');
      expect(data.identity).toEqual({
        nationalId: DOCTOR.nationalId,
        surname: 'Durand',
        givenName: 'Paul',
        profession: 'Médecin',
        displayName: 'Paul Durand',
      });
      expect(Buffer.from(data.authCertificate).equals(Buffer.from(card.certificate))).toBe(true);
      expect(data.pinReference).toBe(1);
      expect(data.authKeyReference).toBe(0x20);
      expect(await readCpsSerial(t, profile)).toEqual({ serial: data.serial, cardNumber: data.cardNumber });

      expect(await readPinTriesLeft(t, profile, data.pinReference)).toBe(3);
      expect(await verifyPin(t, profile, data.pinReference, digits('0000'), data.pin)).toEqual({
        ok: false,
        reason: 'wrong-pin',
        triesLeft: 2,
      });
      expect(await readPinTriesLeft(t, profile, data.pinReference)).toBe(2);
      expect(card.pinTriesLeft).toBe(2);
      expect(await verifyPin(t, profile, data.pinReference, digits('1234'), data.pin)).toEqual({ ok: true });

      const digest = sha256('the card assertion');
      const signature = await signDigest(t, profile, digest);
      expect(signature).toHaveLength(256);
      const publicKey = new X509Certificate(Buffer.from(card.certificate)).publicKey;
      expect(verify('sha256', Buffer.from('the card assertion'), publicKey, Buffer.from(signature))).toBe(
        true,
      );
      expect(card.decipherCount).toBe(1);
    },
  );

  it('refuses to sign before the PIN is verified, and the card spends nothing', async () => {
    const card = await VirtualCps4Card.create({ holder: DOCTOR, pki });
    const t = async (c: Uint8Array) => card.process(c);
    await expect(signDigest(t, 'cps4', sha256('x'))).rejects.toMatchObject({ sw: 0x6982 });
    await expect(signDigest(t, 'cps4', sha256('x'))).rejects.toBeInstanceOf(CardStatusError);
    expect(card.pinTriesLeft).toBe(3);
    expect(card.decipherCount).toBe(0);
  });

  it('follows EF.DIR wherever the PKCS#15 DF is, and reads a record-structured EF.DIR', async () => {
    const card = await VirtualCps4Card.create({ holder: DOCTOR, pki, pkcs15Df: '5015', dirAsRecords: true });
    const lines: string[] = [];
    const t = recording(async (c) => card.process(c), lines);
    const data = await readCpsCard(t, 'cps4');
    expect(data.identity.nationalId).toBe(DOCTOR.nationalId);
    const commands = lines.filter((l) => l.startsWith('=> ')).map((l) => l.slice(3));
    // EF.DIR by FID, READ BINARY refused (6981), then its records.
    expect(commands).toContain('01A4000C022F00');
    expect(commands).toContain('01B2010400');
    // The DF from EF.DIR, then EF.ODF in it.
    expect(commands).toContain('01A4000C025015');
    expect(commands.every((c) => c.startsWith('01') || c.startsWith('11'))).toBe(true);
  });

  it('recovers channel 1 as the ANS driver does when it does not answer', async () => {
    const card = await VirtualCps4Card.create({ holder: DOCTOR, pki, channelOpenAtReset: false });
    const lines: string[] = [];
    const t = recording(async (c) => card.process(c), lines);
    expect((await readCps4Serial(t)).cardNumber).toBe('876543213');
    expect(lines.filter((l) => l.startsWith('=> ')).slice(0, 4)).toEqual([
      '=> 01A4040C088025000001FF0100',
      '=> 01A4040C07A0000001510000',
      '=> 00A4040C088025000001FF0002',
      '=> 01A4040C088025000001FF0100',
    ]);
  });

  it('a blocked card says so, and VERIFY spends nothing more', async () => {
    const card = await VirtualCps4Card.create({ holder: DOCTOR, pki });
    card.pinTriesLeft = 0;
    const t = async (c: Uint8Array) => card.process(c);
    expect(await readPinTriesLeft(t, 'cps4', 1)).toBe(0);
    expect(await verifyPin(t, 'cps4', 1, digits('1234'))).toEqual({ ok: false, reason: 'card-blocked' });
  });
});

describe('pkcs1Type1Block', () => {
  it('pads a DigestInfo as EMSA-PKCS1-v1_5 to the modulus length', () => {
    const block = pkcs1Type1Block(Uint8Array.from([1, 2, 3]), 16);
    expect(Buffer.from(block).toString('hex')).toBe('0001ffffffffffffffffffff00010203');
    expect(() => pkcs1Type1Block(new Uint8Array(6), 16)).toThrow('does not fit');
  });

  it('always gives 00 01, at least 8 FF, 00, then the DigestInfo unchanged, or refuses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 512 }), (info, length) => {
        let block: Uint8Array;
        try {
          block = pkcs1Type1Block(info, length);
        } catch (error) {
          expect(info.length + 11).toBeGreaterThan(length);
          expect(error).toBeInstanceOf(CardProtocolError);
          return;
        }
        expect(block).toHaveLength(length);
        const padding = length - info.length - 3;
        expect(padding).toBeGreaterThanOrEqual(8);
        expect([...block.subarray(0, 2)]).toEqual([0x00, 0x01]);
        expect(block.subarray(2, 2 + padding).every((b) => b === 0xff)).toBe(true);
        expect(block[2 + padding]).toBe(0x00);
        expect(Buffer.from(block.subarray(3 + padding)).equals(Buffer.from(info))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('VirtualCps4Card', () => {
  it('answers on channel 1 only after ChipDoc, with ISO status words', async () => {
    const card = await VirtualCps4Card.create({ holder: DOCTOR, pki });
    expect(sw(card.process(apdu('01B00000E7')))).toBe('6985'); // ChipDoc not selected yet
    expect(sw(card.process(apdu('00A4000C02D003')))).toBe('6985'); // channel 0: nothing modelled
    expect(sw(card.process(apdu('02A4040C088025000001FF0100')))).toBe('6881'); // channel 2
    expect(sw(card.process(apdu('01A4040C088025000001FF0100')))).toBe('9000');
    expect(sw(card.process(apdu('01A4090C02D003')))).toBe('9000'); // from the MF
    expect(sw(card.process(apdu('01B00000E8')))).toBe('6700'); // more than 231 bytes
    expect(sw(card.process(apdu('01B00100E7')))).toBe('6B00'); // beyond the end
    expect(sw(card.process(apdu('01A4090C025031')))).toBe('6A82'); // not in the MF
    expect(sw(card.process(apdu('01A4000C020001')))).toBe('9000'); // the PKCS#15 DF
    expect(sw(card.process(apdu('01A4090C025031')))).toBe('9000'); // EF.ODF in it
    expect(sw(card.process(apdu('01224 1B8 03 830181')))).toBe('6A88'); // no such key
    expect(sw(card.process(apdu('012241A4 03 830120')))).toBe('6A86'); // not the confidentiality template
    expect(sw(card.process(apdu('012241B8 03 830120')))).toBe('9000');
    expect(sw(card.process(apdu(`012A8086 10 ${'00'.repeat(16)} 00`)))).toBe('6982'); // no PIN
    expect(sw(card.process(apdu('0120000104 31323334')))).toBe('9000');
    expect(sw(card.process(apdu(`012A8086 10 ${'00'.repeat(16)} 00`)))).toBe('6700'); // not 256 bytes
    expect(sw(card.process(apdu(`112A8086 FF ${'FF'.repeat(255)}`)))).toBe('9000');
    expect(sw(card.process(apdu(`012A8086 01 FF 00`)))).toBe('6A80'); // not below the modulus
  });
});
