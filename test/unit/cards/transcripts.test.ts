/** Card profiles replayed from recorded APDU transcripts, and hand-written ones for the error paths. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../../app/core/cards/cps.js';
import { readUid } from '../../../app/core/cards/uid.js';
import { replaying, TranscriptMismatch } from '../../harness/vcard/index.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'transcripts', name), 'utf8');
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i);
const digits = (text: string) => new TextEncoder().encode(text);

describe('recorded transcripts', () => {
  it.each(['cps3-contact-t0.txt', 'cps3-contact-t1.txt'])(
    '%s: read, tries left, wrong then right PIN, signature',
    async (name) => {
      const t = replaying(fixture(name));
      const data = await readCpsCard(t, 'cps3-contact');
      expect(data.serial).toBe('8025000001314159267');
      expect(data.identity.nationalId).toBe('899700075122');
      expect(await readPinTriesLeft(t, 'cps3-contact', data.pinReference)).toBe(3);
      expect(await verifyPin(t, 'cps3-contact', data.pinReference, digits('0000'))).toEqual({
        ok: false,
        reason: 'wrong-pin',
        triesLeft: 2,
      });
      expect(await verifyPin(t, 'cps3-contact', data.pinReference, digits('1234'))).toEqual({ ok: true });
      expect(await signDigest(t, 'cps3-contact', DIGEST)).toHaveLength(256);
      expect(t.remaining()).toBe(0);
    },
  );

  it('uid-7-bytes.txt: the canonical UID', async () => {
    expect(await readUid(replaying(fixture('uid-7-bytes.txt')), 'as-read')).toEqual({
      ok: true,
      uid: '04A1B2C3D4E5F6',
    });
  });
});

describe('hand-written transcripts for error paths', () => {
  it('a card without the IAS application is refused with the status word', async () => {
    const t = replaying('=> 00A4040C0DE828BD080F8025000001FF0010\n<= 6A82');
    await expect(readCpsCard(t, 'cps3-contact')).rejects.toThrow(
      'SELECT IAS application refused by the card (status 6A82)',
    );
  });

  it('a blocked PIN reads as 0 tries left, and VERIFY is not attempted twice', async () => {
    const t = replaying(
      ['=> 00A4040C0DE828BD080F8025000001FF0010', '<= 9000', '=> 00200001', '<= 6983'].join('\n'),
    );
    expect(await readPinTriesLeft(t, 'cps3-contact', 1)).toBe(0);
    expect(t.remaining()).toBe(0);
  });

  it('6Cxx: the command is re-issued once with the length the card asked for', async () => {
    const t = replaying(['=> FFCA000000', '<= 6C07', '=> FFCA000007', '<= 04A1B2C3D4E5F69000'].join('\n'));
    expect(await readUid(t, 'as-read')).toEqual({ ok: true, uid: '04A1B2C3D4E5F6' });
  });

  it('a truncated answer is an error that says so', async () => {
    const t = replaying('=> FFCA000000\n<= 90');
    expect(await readUid(t, 'as-read')).toEqual({
      ok: false,
      problem: 'the reader answered GET UID with fewer than 2 bytes',
    });
  });

  it('a conversation that departs from the transcript is named by its line', async () => {
    const t = replaying('# one command\n=> 00A4040C0DE828BD080F8025000001FF0020\n<= 9000');
    await expect(readCpsCard(t, 'cps3-contact')).rejects.toThrow(TranscriptMismatch);
    await expect(
      readCpsCard(
        replaying('# one command\n=> 00A4040C0DE828BD080F8025000001FF0020\n<= 9000'),
        'cps3-contact',
      ),
    ).rejects.toThrow(
      /transcript line 2: expected => 00A4040C0DE828BD080F8025000001FF0020, got => 00A4040C0DE828BD080F8025000001FF0010/,
    );
  });
});
