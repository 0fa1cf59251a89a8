/** Card profiles replayed from APDU transcripts: recorded from the virtual cards, and hand-written for error paths and CPS4. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readCps4Serial,
  readCpsCard,
  readCpsSerial,
  readPinTriesLeft,
  signDigest,
  verifyPin,
} from '../../../../app/core/cards/cps.js';
import { identifyAtr } from '../../../../app/core/cards/profiles.js';
import { readUid } from '../../../../app/core/cards/uid.js';
import { replaying, TranscriptMismatch } from '../../../harness/vcard/index.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'transcripts', name), 'utf8');
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i);
const digits = (text: string) => new TextEncoder().encode(text);

/** The ATR a recorded transcript states in its first comment. */
const atrOf = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(/ATR ([0-9A-F]+)/.exec(text)?.[1] ?? '', 'hex'));

describe('recorded transcripts', () => {
  it.each([
    ['cps3-contact-t0.txt', 'cps3-contact'],
    ['cps3-contact-t1.txt', 'cps3-contact'],
    ['cps3-contactless-t1.txt', 'cps3-contactless'],
  ] as const)('%s: read, tries left, wrong then right PIN, signature', async (name, expectedProfile) => {
    const text = fixture(name);
    const { profile } = identifyAtr(atrOf(text));
    expect(profile).toBe(expectedProfile);
    const t = replaying(text);
    const data = await readCpsCard(t, profile);
    expect(data.serial).toBe('8025000001314159267');
    expect(data.cardNumber).toBe('314159267');
    expect(data.identity).toEqual({
      nationalId: '899700075122',
      surname: 'Martin',
      givenName: 'Claire',
      profession: 'Infirmier',
      displayName: 'Claire Martin',
    });
    expect(data.pinReference).toBe(1);
    expect(data.authKeyReference).toBe(0x81);
    expect(await readPinTriesLeft(t, profile, data.pinReference)).toBe(3);
    expect(await verifyPin(t, profile, data.pinReference, digits('0000'), data.pin)).toEqual({
      ok: false,
      reason: 'wrong-pin',
      triesLeft: 2,
    });
    expect(await verifyPin(t, profile, data.pinReference, digits('1234'), data.pin)).toEqual({ ok: true });
    expect(await signDigest(t, profile, DIGEST, data.authKeyReference ?? undefined)).toHaveLength(256);
    expect(t.remaining()).toBe(0);
  });

  it('uid-7-bytes.txt: the canonical UID', async () => {
    const text = fixture('uid-7-bytes.txt');
    expect(identifyAtr(atrOf(text))).toMatchObject({
      profile: 'contactless-uid',
      description: 'contactless badge (MIFARE Classic 1K)',
    });
    expect(await readUid(replaying(text), 'as-read')).toEqual({ ok: true, uid: '04A1B2C3D4E5F6' });
  });
});

describe('CPS4 transcripts (hand-written from the public ANS driver)', () => {
  it('reads the serial and the PIN tries left on channel 1', async () => {
    const text = fixture('cps4-serial-and-tries.txt');
    expect(identifyAtr(atrOf(text)).profile).toBe('cps4');
    const t = replaying(text);
    expect(await readCps4Serial(t)).toEqual({ serial: '8025000001876543213', cardNumber: '876543213' });
    expect(await readPinTriesLeft(t, 'cps4', 1)).toBe(2);
    expect(t.remaining()).toBe(0);
  });

  it('recovers channel 1 as the ANS driver does when the first SELECT fails', async () => {
    const t = replaying(fixture('cps4-channel-recovery.txt'));
    expect(await readCps4Serial(t)).toEqual({ serial: '8025000001112233445', cardNumber: '112233445' });
    expect(t.remaining()).toBe(0);
  });

  it.each(['cps4-t1.txt', 'cps4-t0.txt'])(
    '%s: identity through EF.DIR and PKCS#15, tries left, wrong then right PIN, signature by PSO DECIPHER',
    async (name) => {
      const text = fixture(name);
      const { profile } = identifyAtr(atrOf(text));
      expect(profile).toBe('cps4');
      const t = replaying(text);
      const data = await readCpsCard(t, profile);
      expect(data.serial).toBe('8025000001271828183');
      expect(data.identity).toEqual({
        nationalId: '899700075122',
        surname: 'Martin',
        givenName: 'Claire',
        profession: 'Infirmier',
        displayName: 'Claire Martin',
      });
      expect(data.pinReference).toBe(1);
      expect(data.authKeyReference).toBe(0x20);
      expect(await readPinTriesLeft(t, profile, data.pinReference)).toBe(3);
      expect(await verifyPin(t, profile, data.pinReference, digits('0000'), data.pin)).toEqual({
        ok: false,
        reason: 'wrong-pin',
        triesLeft: 2,
      });
      expect(await verifyPin(t, profile, data.pinReference, digits('1234'), data.pin)).toEqual({ ok: true });
      expect(await signDigest(t, profile, DIGEST)).toHaveLength(256);
      expect(t.remaining()).toBe(0);
      // Every command went on logical channel 1 (CLA 01, or 11 while chaining).
      expect(text.split('\n').filter((l) => l.startsWith('=> ') && !/^=> [01]1/.test(l))).toEqual([]);
    },
  );

  it('the signature is one MSE SET naming key 20, then PSO DECIPHER over the padded DigestInfo, chained', () => {
    const text = fixture('cps4-t1.txt');
    const commands = text
      .split('\n')
      .filter((l) => l.startsWith('=> '))
      .map((l) => l.slice(3));
    const block = `0001${'FF'.repeat(202)}00${'3031300D060960864801650304020105000420'}${Buffer.from(DIGEST).toString('hex').toUpperCase()}`;
    expect(commands.slice(-3)).toEqual([
      '012241B803830120',
      `112A8086FF${block.slice(0, 510)}`,
      `012A808601${block.slice(510)}00`,
    ]);
  });
});

describe('hand-written transcripts for error paths', () => {
  it('a card without the IAS application is refused with the status word', async () => {
    const t = replaying('=> 00A4040C0DE828BD080F8025000001FF0010\n<= 6A82');
    await expect(readCpsCard(t, 'cps3-contact')).rejects.toMatchObject({
      code: 'not-found',
      message: 'SELECT IAS application refused by the card (status 6A82) — file or application not found',
    });
  });

  it('a card without EF.SN.ICC names the missing file', async () => {
    await expect(
      readCpsCard(replaying(fixture('error-serial-not-found.txt')), 'cps3-contact'),
    ).rejects.toThrow('SELECT EF.SN.ICC refused by the card (status 6A82)');
  });

  it('signing before the PIN is verified: 6982, said in words', async () => {
    const t = replaying(fixture('error-sign-without-pin.txt'));
    await expect(signDigest(t, 'cps3-contact', DIGEST)).rejects.toMatchObject({
      code: 'bad-status',
      sw: 0x6982,
      message:
        'INTERNAL AUTHENTICATE refused by the card (status 6982) — security status not satisfied (PIN not verified)',
    });
  });

  it('a blocked PIN reads as 0 tries left, and a VERIFY on it reports the card blocked, once', async () => {
    const t = replaying(fixture('error-pin-blocked.txt'));
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(0);
    expect(await verifyPin(t, 'cps3-contact', 1, digits('1234'))).toEqual({
      ok: false,
      reason: 'card-blocked',
    });
    expect(t.remaining()).toBe(0);
  });

  it('an answer without its status word is a truncated-answer error', async () => {
    await expect(
      readCpsCard(replaying(fixture('error-truncated-status.txt')), 'cps3-contact'),
    ).rejects.toMatchObject({
      code: 'truncated',
      message: 'SELECT IAS application: the answer has 1 byte(s), fewer than a status word (truncated)',
    });
  });

  it('a certificate whose file ends before its DER length is reported truncated', async () => {
    // The recorded T=1 conversation up to the certificate's second chunk, then "end of file".
    const lines = fixture('cps3-contact-t1.txt').split('\n');
    const second = lines.findIndex((line) => line === '=> 00B000E7E7');
    const t = replaying([...lines.slice(0, second + 1), '<= 6282'].join('\n'));
    await expect(readCpsCard(t, 'cps3-contact')).rejects.toMatchObject({
      code: 'truncated',
      message: expect.stringMatching(/^the authentication certificate ends after 231 of its \d+ bytes$/),
    });
  });

  it('6Cxx: the command is re-issued once with the length the card asked for', async () => {
    const t = replaying(['=> FFCA000000', '<= 6C07', '=> FFCA000007', '<= 04A1B2C3D4E5F69000'].join('\n'));
    expect(await readUid(t, 'as-read')).toEqual({ ok: true, uid: '04A1B2C3D4E5F6' });
  });

  it('a second 6Cxx is not followed: the reader refused', async () => {
    const t = replaying(['=> FFCA000000', '<= 6C07', '=> FFCA000007', '<= 6C04'].join('\n'));
    expect(await readUid(t, 'as-read')).toEqual({
      ok: false,
      problem: 'the reader refused GET UID (status 6C04)',
    });
    expect(t.remaining()).toBe(0);
  });

  it('an EF.SN.ICC far longer than a CPS serial is refused, not made into a badge ID', async () => {
    const long = `5A40${'11'.repeat(64)}`;
    const t = replaying(
      [
        '=> 00A4040C0DE828BD080F8025000001FF0010',
        '<= 9000',
        '=> 00A4090C043F00D003',
        '<= 9000',
        '=> 00B00000E7',
        `<= ${long}9000`,
      ].join('\n'),
    );
    await expect(readCpsSerial(t, 'cps3-contact')).rejects.toMatchObject({
      code: 'too-long',
      message: 'EF.SN.ICC holds a serial of 64 bytes; a CPS serial is 10 (at most 16 taken)',
    });
  });

  it('a truncated answer to GET UID is a problem, not a crash', async () => {
    const t = replaying('=> FFCA000000\n<= 90');
    expect(await readUid(t, 'as-read')).toEqual({
      ok: false,
      problem: 'the reader answered GET UID with fewer than 2 bytes',
    });
  });

  it('a conversation that departs from the transcript is named by its line', async () => {
    const text = '# one command\n=> 00A4040C0DE828BD080F8025000001FF0020\n<= 9000';
    await expect(readCpsCard(replaying(text), 'cps3-contact')).rejects.toThrow(TranscriptMismatch);
    await expect(readCpsCard(replaying(text), 'cps3-contact')).rejects.toThrow(
      /transcript line 2: expected => 00A4040C0DE828BD080F8025000001FF0020, got => 00A4040C0DE828BD080F8025000001FF0010/,
    );
  });
});
