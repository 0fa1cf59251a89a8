/**
 * EF.DIR, the directory through which a CPS4 says where its PKCS#15 application lies: whatever a
 * card lists is read back exactly (transparent or joined records, padded or not), and damaged
 * directories are an error that says so, never a wrong path.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CardProtocolError } from '../../../../app/core/cards/apdu.js';
import { parseEfDir } from '../../../../app/core/cards/pkcs15.js';

/** DER TLV with a short or long length. */
function tlv(tag: number, value: Uint8Array | number[]): number[] {
  const bytes = [...value];
  const length =
    bytes.length < 0x80
      ? [bytes.length]
      : bytes.length < 0x100
        ? [0x81, bytes.length]
        : [0x82, bytes.length >> 8, bytes.length & 0xff];
  return [tag, ...length, ...bytes];
}

const application = fc.record({
  aid: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  label: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
  path: fc.option(
    fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 4 })
      .map((fids) => Uint8Array.from(fids.flatMap((f) => [f >> 8, f & 0xff]))),
    { nil: null },
  ),
  ddo: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }),
});

type Application = typeof application extends fc.Arbitrary<infer T> ? T : never;

const encode = (app: Application): number[] =>
  tlv(0x61, [
    ...tlv(0x4f, app.aid),
    ...(app.label === null ? [] : tlv(0x50, [...Buffer.from(app.label, 'utf8')])),
    ...(app.path === null ? [] : tlv(0x51, app.path)),
    ...(app.ddo === null ? [] : tlv(0x73, tlv(0x04, app.ddo))),
  ]);

describe('parseEfDir', () => {
  it('reads back every application a card lists, with its AID, label and path', () => {
    fc.assert(
      fc.property(
        fc.array(application, { maxLength: 6 }),
        fc.constantFrom(null, 0x00, 0xff),
        fc.nat({ max: 40 }),
        (apps, padByte, padding) => {
          const bytes = Uint8Array.from([
            ...apps.flatMap(encode),
            ...Array<number>(padByte === null ? 0 : padding).fill(padByte ?? 0),
          ]);
          const parsed = parseEfDir(bytes);
          expect(parsed).toEqual(
            apps.map((app) => ({ aid: Uint8Array.from(app.aid), label: app.label, path: app.path })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a directory cut short or corrupted gives a result or a CardProtocolError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.array(application, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (apps, cut, edits) => {
          const bytes = Uint8Array.from(apps.flatMap(encode));
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          try {
            parseEfDir(bytes.subarray(0, cut % (bytes.length + 1)));
          } catch (error) {
            if (!(error instanceof CardProtocolError)) throw error;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an application cut before its end is an error, never a shorter path', () => {
    const bytes = Uint8Array.from(
      encode({ aid: Uint8Array.of(0xe8, 0x28), label: 'CPS', path: Uint8Array.of(0x3f, 0, 0, 1), ddo: null }),
    );
    for (let length = 1; length < bytes.length; length += 1) {
      expect(() => parseEfDir(bytes.subarray(0, length))).toThrow(CardProtocolError);
    }
  });

  it('says what is wrong with a template without an AID or with half a file ID', () => {
    expect(() => parseEfDir(Uint8Array.from(tlv(0x61, tlv(0x50, [0x41]))))).toThrow(
      'without an application identifier',
    );
    expect(() =>
      parseEfDir(Uint8Array.from(tlv(0x61, [...tlv(0x4f, [1]), ...tlv(0x51, [0x3f, 0x00, 0x01])]))),
    ).toThrow('without whole file IDs');
  });
});
