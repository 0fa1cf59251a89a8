/**
 * The T=0 conventions in `transceive`, where they meet a PIN: a command that carries a PIN is
 * sent once and only once, whatever the card answers, and no copy of the PIN outlives the call.
 */
import { describe, expect, it } from '@jest/globals';
import { transceive, verify, type Transmit } from '../../../../app/core/cards/apdu.js';
import { verifyPin } from '../../../../app/core/cards/cps.js';
import type { CardProfileId } from '../../../../app/core/cards/profiles.js';

const PIN = '4321';
const pinBytes = (): Uint8Array => new TextEncoder().encode(PIN);

/**
 * A card that accepts every SELECT and answers VERIFY as `onVerify` says. It keeps a reference to
 * every command buffer it was handed (not a copy), so a test can see what is left in them after.
 */
function card(onVerify: (command: Uint8Array) => Uint8Array | Promise<Uint8Array>) {
  const handed: Uint8Array[] = [];
  const verifies: string[] = [];
  const transmit: Transmit = async (command) => {
    handed.push(command);
    if (command[1] === 0x20) {
      verifies.push(Buffer.from(command).toString('hex'));
      return onVerify(command);
    }
    return Uint8Array.of(0x90, 0x00);
  };
  /** Whether any buffer handed over still holds the PIN's digits in a row. */
  const pinLeft = (): boolean => handed.some((b) => Buffer.from(b).includes(Buffer.from(PIN)));
  return { transmit, handed, verifies, pinLeft };
}

describe.each(['cps3-contact', 'cps4'] as CardProfileId[])('VERIFY on a %s', (profile) => {
  it('answered 6Cxx (wrong length): sent once, never again with another Le, reported as a card error', async () => {
    const c = card(() => Uint8Array.of(0x6c, 0x04));
    const pin = pinBytes();
    expect(await verifyPin(c.transmit, profile, 1, pin)).toEqual({ ok: false, reason: 'card-error' });
    expect(c.verifies).toHaveLength(1);
    expect(c.verifies[0]).toMatch(/^0[01]20000104/); // CLA 20 00 01 Lc=04, then the PIN
    expect(c.pinLeft()).toBe(false);
  });

  it('pulled out in the middle of VERIFY: the failure comes through, nothing is re-sent, no PIN is left', async () => {
    const c = card(() => Promise.reject(new Error('Card was removed')));
    await expect(verifyPin(c.transmit, profile, 1, pinBytes())).rejects.toThrow('Card was removed');
    expect(c.verifies).toHaveLength(1);
    expect(c.pinLeft()).toBe(false);
  });

  it('answering with fewer bytes than a status word: a truncated answer, sent once', async () => {
    const c = card(() => Uint8Array.of(0x63));
    await expect(verifyPin(c.transmit, profile, 1, pinBytes())).rejects.toMatchObject({ code: 'truncated' });
    expect(c.verifies).toHaveLength(1);
    expect(c.pinLeft()).toBe(false);
  });

  it('answering a status no PIN check gives (a garbled 9Fxx): a card error, not a success', async () => {
    const c = card(() => Uint8Array.of(0x9f, 0x10));
    expect(await verifyPin(c.transmit, profile, 1, pinBytes())).toEqual({ ok: false, reason: 'card-error' });
    expect(c.verifies).toHaveLength(1);
  });
});

describe('transceive and commands that carry a secret', () => {
  it.each([
    ['VERIFY', 0x20],
    ['CHANGE REFERENCE DATA', 0x24],
    ['RESET RETRY COUNTER', 0x2c],
  ])('returns 6Cxx to %s as it came, without sending it again', async (_name, ins) => {
    const sent: string[] = [];
    const transmit: Transmit = async (command) => {
      sent.push(Buffer.from(command).toString('hex'));
      return Uint8Array.of(0x6c, 0x08);
    };
    const command = Uint8Array.of(0x00, ins, 0x00, 0x01, 0x04, 0x31, 0x32, 0x33, 0x34);
    expect(await transceive(transmit, command)).toEqual({ data: new Uint8Array(0), sw: 0x6c08 });
    expect(sent).toHaveLength(1);
  });

  it('still re-issues a command that asks for data once with the length the card gives (READ BINARY)', async () => {
    const sent: string[] = [];
    const transmit: Transmit = async (command) => {
      sent.push(Buffer.from(command).toString('hex'));
      return command[4] === 0x03 ? Uint8Array.of(1, 2, 3, 0x90, 0x00) : Uint8Array.of(0x6c, 0x03);
    };
    const response = await transceive(transmit, Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0xe7));
    expect(response).toEqual({ data: Uint8Array.of(1, 2, 3), sw: 0x9000 });
    expect(sent).toEqual(['00b00000e7', '00b0000003']);
  });

  it('a VERIFY without data (tries left) answered 6Cxx is not re-sent either', async () => {
    let sent = 0;
    const transmit: Transmit = async () => {
      sent += 1;
      return Uint8Array.of(0x6c, 0x00);
    };
    expect((await transceive(transmit, verify(1))).sw).toBe(0x6c00);
    expect(sent).toBe(1);
  });
});
