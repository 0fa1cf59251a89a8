/**
 * The virtual CPS3 behaves like a card where the profiles and the PC/SC adapter can tell: status
 * words, T=0 transport, PIN and PUK counters, state lost on reset. (The profiles' own behaviour
 * against it is in cps3.test.ts and transcripts.test.ts.)
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../../app/core/cards/cps.js';
import { identifyAtr } from '../../../app/core/cards/profiles.js';
import { createCardPki, type CardPki } from '../pki.js';
import { VirtualCps3Card } from './index.js';

const NURSE = { surname: 'Martin', givenName: 'Claire', nationalId: '899700075122', profession: 'Infirmier' };
const apdu = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const sw = (answer: Uint8Array) =>
  Buffer.from(answer.subarray(answer.length - 2))
    .toString('hex')
    .toUpperCase();
const SELECT_IAS = '00A4040C0D E828BD080F8025000001FF0010';
const digits = (text: string) => new TextEncoder().encode(text);

let pki: CardPki;
beforeAll(async () => {
  pki = await createCardPki();
});

describe('VirtualCps3Card', () => {
  it('answers malformed or foreign commands with the ISO status words', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki });
    expect(sw(card.process(apdu('00A4')))).toBe('6700'); // not even a header
    expect(sw(card.process(apdu('80A4040C00')))).toBe('6E00'); // proprietary class
    expect(sw(card.process(apdu('0CA4040C00')))).toBe('6882'); // secure messaging
    expect(sw(card.process(apdu('01A4040C088025000001FF0100')))).toBe('6881'); // logical channel 1
    expect(sw(card.process(apdu('00FE000000')))).toBe('6D00'); // unknown instruction
    expect(sw(card.process(apdu('00A40400 0D E828BD080F8025000001FF0010')))).toBe('6A86'); // P2 00 refused
    expect(sw(card.process(apdu('00A4090C02D003')))).toBe('6A82'); // a path without 3F00
    expect(sw(card.process(apdu('00A4040C07 E828BD080F8025')))).toBe('6A82'); // another AID
    expect(sw(card.process(apdu('00A4040C0D E828BD08')))).toBe('6700'); // Lc larger than the data
    expect(sw(card.process(apdu('00B00000E7')))).toBe('6986'); // no file selected
    expect(sw(card.process(apdu('00A4090C043F00D003')))).toBe('9000');
    expect(sw(card.process(apdu('00B00000E8')))).toBe('6700'); // more than 231 bytes
    expect(sw(card.process(apdu('00B00100E7')))).toBe('6B00'); // beyond the end
    expect(sw(card.process(apdu('00C0000010')))).toBe('6985'); // nothing to GET RESPONSE
    expect(sw(card.process(apdu('002241A406 800102 840199')))).toBe('6A88'); // no such key
    expect(sw(card.process(apdu('002241B603 830120')))).toBe('6A86'); // not the authentication template
  });

  it('on T=0 says the right length (6Cxx) and holds case-4 answers for GET RESPONSE (61xx)', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=0' });
    card.process(apdu('00A4090C043F00D003'));
    expect(sw(card.process(apdu('00B00000E7')))).toBe('6C0C');
    expect(card.process(apdu('00B000000C'))).toHaveLength(14);
    card.process(apdu(SELECT_IAS));
    card.process(apdu('002000010431323334'));
    card.process(apdu('002241A406800102840181'));
    const digestInfo = '3031300D060960864801650304020105000420' + '00'.repeat(32);
    expect(sw(card.process(apdu(`0088000033${digestInfo}00`)))).toBe('6100'); // 256 bytes waiting
    const first = card.process(apdu('00C0000080'));
    expect(sw(first)).toBe('6180'); // 128 delivered, 128 more
    const second = card.process(apdu('00C0000080'));
    expect(sw(second)).toBe('9000');
    expect(first.length - 2 + second.length - 2).toBe(256);
  });

  it('on T=1 returns data at once, with 6282 when a read reaches the end early', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=1' });
    card.process(apdu('00A4090C043F00D003'));
    const answer = card.process(apdu('00B00000E7'));
    expect(sw(answer)).toBe('6282');
    expect(answer).toHaveLength(14);
  });

  it('counts PIN tries, blocks at zero, and unblocks with the PUK (a wrong PUK costs a PUK try)', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki });
    const t = async (c: Uint8Array) => card.process(c);
    for (let i = 0; i < 3; i += 1) await verifyPin(t, 'cps3-contact', 1, digits('9999'));
    expect(card.pinTriesLeft).toBe(0);
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(0);
    // 00 2C 00 01: RESET RETRY COUNTER for PIN 01, data = PUK then the new PIN.
    expect(sw(card.process(apdu(`002C00010C${Buffer.from('000000004321').toString('hex')}`)))).toBe('63C9');
    expect(card.pukTriesLeft).toBe(9);
    expect(sw(card.process(apdu(`002C00010C${Buffer.from('123456784321').toString('hex')}`)))).toBe('9000');
    expect(card.pinTriesLeft).toBe(3);
    expect(await verifyPin(t, 'cps3-contact', 1, digits('1234'))).toEqual({
      ok: false,
      reason: 'wrong-pin',
      triesLeft: 2,
    });
    expect(await verifyPin(t, 'cps3-contact', 1, digits('4321'))).toEqual({ ok: true });
  });

  it('asking for the tries left never spends one, verified or not', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki });
    const t = async (c: Uint8Array) => card.process(c);
    for (let i = 0; i < 5; i += 1) expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(3);
    await verifyPin(t, 'cps3-contact', 1, digits('1234'));
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBeNull(); // 9000: already verified
    expect(card.pinTriesLeft).toBe(3);
  });

  it('forgets the verified PIN on reset, so a signature needs the PIN again', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=0' });
    const t = async (c: Uint8Array) => card.process(c);
    const digest = createHash('sha256').update('assertion').digest();
    await verifyPin(t, 'cps3-contact', 1, digits('1234'));
    expect(card.verified).toBe(true);
    card.reset();
    expect(card.verified).toBe(false);
    await expect(signDigest(t, 'cps3-contact', digest)).rejects.toMatchObject({ sw: 0x6982 });
  });

  it('contactless: its own ATR and application, identity readable, the contact-only file refused', async () => {
    const card = await VirtualCps3Card.create({
      holder: NURSE,
      pki,
      protocol: 'T=1',
      contactless: true,
      serial: '00000042',
    });
    const t = async (c: Uint8Array) => card.process(c);
    const { profile } = identifyAtr(card.atr);
    expect(profile).toBe('cps3-contactless');
    await expect(readCpsCard(t, 'cps3-contact')).rejects.toMatchObject({ code: 'not-found' }); // the contact AID
    const data = await readCpsCard(t, profile);
    expect(data).toMatchObject({ serial: '8025000001000000427', identity: { nationalId: '899700075122' } });
    card.process(apdu('00A4090C063F0000017001'));
    expect(sw(card.process(apdu('00B00000E7')))).toBe('6982');
  });

  it('answers GET DATA on the PIN object with its maximum and tries left', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=1' });
    card.pinTriesLeft = 2;
    const answer = card.process(apdu('00CB3FFF0A4D087006BF810102A08000'));
    expect(Buffer.from(answer).toString('hex').toUpperCase()).toBe('700CBF810108A0069A01039B01029000');
  });

  it('signs with the certificate key: verifiable by node:crypto', async () => {
    const card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=1' });
    const t = async (c: Uint8Array) => card.process(c);
    const data = await readCpsCard(t, 'cps3-contact');
    await verifyPin(t, 'cps3-contact', data.pinReference, digits('1234'), data.pin);
    const message = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI4OTk3MDAwNzUxMjIifQ');
    const signature = await signDigest(
      t,
      'cps3-contact',
      createHash('sha256').update(message).digest(),
      data.authKeyReference ?? undefined,
    );
    const publicKey = new X509Certificate(Buffer.from(data.authCertificate)).publicKey;
    expect(verify('sha256', message, publicKey, signature)).toBe(true);
  });
});
