/**
 * Every parser and every card conversation on hostile input: random bytes, truncations and
 * corruptions of real structures. The only acceptable outcomes are a clean result or a
 * CardProtocolError — never another exception, never a hang.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CardProtocolError, transceive, type Transmit } from '../../../../app/core/cards/apdu.js';
import {
  readCps4Serial,
  readCpsCard,
  readPinTriesLeft,
  signDigest,
  verifyPin,
} from '../../../../app/core/cards/cps.js';
import { parseAodf, parseCdf, parseEfDir, parseOdf, parsePrkdf } from '../../../../app/core/cards/pkcs15.js';
import { identifyAtr } from '../../../../app/core/cards/profiles.js';
import { readAll } from '../../../../app/core/cards/tlv.js';
import { readUid } from '../../../../app/core/cards/uid.js';
import { cpsIdentityFromCertificate, parseCertificate } from '../../../../app/core/cards/x509.js';
import { createCardPki, type CardPki } from '../../../harness/pki.js';
import { VirtualCps3Card } from '../../../harness/vcard/index.js';

const NURSE = { surname: 'Martin', givenName: 'Claire', nationalId: '899700075122', profession: 'Infirmier' };
let pki: CardPki;
let card: VirtualCps3Card;
/** The real files of a virtual card, to truncate and corrupt. */
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createCardPki();
  card = await VirtualCps3Card.create({ holder: NURSE, pki, protocol: 'T=1' });
  const read = async (path: string): Promise<Uint8Array> => {
    card.process(
      Uint8Array.from(
        Buffer.from(`00A4090C${(path.length / 2).toString(16).padStart(2, '0')}${path}`, 'hex'),
      ),
    );
    const out: number[] = [];
    for (let offset = 0; ; offset += 231) {
      const answer = card.process(Uint8Array.from([0x00, 0xb0, offset >> 8, offset & 0xff, 231]));
      if (answer.length <= 2) break;
      out.push(...answer.subarray(0, answer.length - 2));
      if (answer.length < 233) break;
    }
    return Uint8Array.from(out);
  };
  files.odf = await read('3F0000015031');
  files.cdf = await read('3F0000015033');
  files.aodf = await read('3F0000015034');
  files.prkdf = await read('3F0000015035');
  files.certificate = card.certificate;
});

/** Runs `parse`; a CardProtocolError is an acceptable answer, anything else fails the property. */
function cleanOrCardError(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof CardProtocolError)) throw error;
  }
}

async function cleanOrCardErrorAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof CardProtocolError)) throw error;
  }
}

const PARSERS: Record<string, (bytes: Uint8Array) => unknown> = {
  'BER-TLV': readAll,
  'X.509': parseCertificate,
  'CPS identity': cpsIdentityFromCertificate,
  'EF.ODF': parseOdf,
  CDF: parseCdf,
  PrKDF: parsePrkdf,
  AODF: parseAodf,
  'EF.DIR': parseEfDir,
};

/** A real structure cut short, or with some bytes overwritten. */
const damaged = (original: () => Uint8Array) =>
  fc.oneof(
    fc.nat().map((n) => original().subarray(0, n % (original().length + 1))),
    fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => {
        const copy = Uint8Array.from(original());
        for (const [at, value] of edits) copy[at % copy.length] = value;
        return copy;
      }),
  );

describe('parsers on hostile input', () => {
  it.each(Object.entries(PARSERS))(
    '%s: random bytes give a result or a CardProtocolError',
    (_name, parse) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => cleanOrCardError(() => parse(bytes))),
        { numRuns: 1500 },
      );
    },
  );

  it.each([
    ['X.509', 'certificate', parseCertificate],
    ['CPS identity', 'certificate', cpsIdentityFromCertificate],
    ['EF.ODF', 'odf', parseOdf],
    ['CDF', 'cdf', parseCdf],
    ['PrKDF', 'prkdf', parsePrkdf],
    ['AODF', 'aodf', parseAodf],
  ] as const)(
    '%s: a real file truncated or corrupted gives a result or a CardProtocolError',
    (_name, file, parse) => {
      fc.assert(
        fc.property(
          damaged(() => files[file]!),
          (bytes) => cleanOrCardError(() => parse(bytes)),
        ),
        { numRuns: 1000 },
      );
    },
  );

  it('a certificate cut anywhere before its end is an error, never a partial identity', () => {
    const der = files.certificate!;
    for (let length = 0; length < der.length; length += 1) {
      expect(() => cpsIdentityFromCertificate(der.subarray(0, length))).toThrow(CardProtocolError);
    }
  });

  it('deep nesting and huge announced lengths are refused quickly', () => {
    const nested = Uint8Array.from([...Array.from({ length: 5000 }, () => [0x30, 0x80]).flat()]);
    expect(() => parseCertificate(nested)).toThrow(CardProtocolError);
    expect(() => readAll(Uint8Array.from([0x04, 0x83, 0xff, 0xff, 0xff, 0x00]))).toThrow(/truncated/);
    // A file of padding is read in one pass (this would take minutes if it were quadratic).
    expect(readAll(new Uint8Array(200_000))).toEqual([]);
  });
});

describe('ATR matching', () => {
  it('any bytes give a match with a description, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (atr) => {
        const match = identifyAtr(atr);
        expect(['cps3-contact', 'cps3-contactless', 'cps4', 'contactless-uid', 'unknown']).toContain(
          match.profile,
        );
        expect(match.description.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('any PC/SC part 3 contactless ATR is a UID badge, unless it is a contactless CPS3', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 15 }),
        fc.integer({ min: 0, max: 255 }),
        (historical, tck) => {
          const atr = Uint8Array.from([0x3b, 0x80 | historical.length, 0x80, 0x01, ...historical, tck]);
          const { profile } = identifyAtr(atr);
          expect(['contactless-uid', 'cps3-contactless']).toContain(profile);
        },
      ),
    );
  });
});

/** A transmit answering from a fast-check-chosen list of answers, then a plain 9000. */
const scripted = (answers: Uint8Array[]): Transmit => {
  let at = 0;
  return async () => answers[at++] ?? Uint8Array.from([0x90, 0x00]);
};

const answer = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc
    .constantFrom(
      [0x90, 0x00],
      [0x61, 0x00],
      [0x61, 0x10],
      [0x6c, 0x05],
      [0x6c, 0x00],
      [0x62, 0x82],
      [0x6b, 0x00],
      [0x63, 0xc2],
      [0x69, 0x83],
      [0x30, 0x82, 0xff, 0xff, 0x90, 0x00],
    )
    .map((bytes) => Uint8Array.from(bytes)),
);

describe('card conversations with a card that answers nonsense', () => {
  it('transceive ends with a response or a CardProtocolError, even if the card keeps saying 61xx', async () => {
    await expect(
      transceive(async () => Uint8Array.from([0x61, 0x00]), Uint8Array.from([0x00, 0xb0, 0, 0, 0])),
    ).rejects.toMatchObject({
      code: 'too-long',
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer, { maxLength: 30 }),
        fc.uint8Array({ minLength: 4, maxLength: 12 }),
        async (answers, command) => {
          await cleanOrCardErrorAsync(() => transceive(scripted(answers), command));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every profile function ends with a result or a CardProtocolError', async () => {
    const pin = () => Uint8Array.from([0x31, 0x32, 0x33, 0x34]);
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 40 }), async (answers) => {
        await cleanOrCardErrorAsync(() => readCpsCard(scripted(answers), 'cps3-contact'));
        await cleanOrCardErrorAsync(() => readPinTriesLeft(scripted(answers), 'cps3-contact', 1));
        await cleanOrCardErrorAsync(() => verifyPin(scripted(answers), 'cps3-contact', 1, pin()));
        await cleanOrCardErrorAsync(() => signDigest(scripted(answers), 'cps3-contact', new Uint8Array(32)));
        await cleanOrCardErrorAsync(() => readCps4Serial(scripted(answers)));
        await cleanOrCardErrorAsync(() => readCpsCard(scripted(answers), 'cps4'));
        await cleanOrCardErrorAsync(() => verifyPin(scripted(answers), 'cps4', 1, pin()));
        await cleanOrCardErrorAsync(() => signDigest(scripted(answers), 'cps4', new Uint8Array(32)));
        // readUid never throws on what a reader answers: it reports a problem.
        const uid = await readUid(scripted(answers), 'as-read');
        expect(typeof uid.ok).toBe('boolean');
      }),
      { numRuns: 400 },
    );
  });

  it('a card whose files are all padding or garbage still ends (bounded reads)', async () => {
    // Answers every READ BINARY with a full chunk for ever: the read stops at the size limit.
    const endless: Transmit = async (command) =>
      command[1] === 0xb0
        ? Uint8Array.from([...new Uint8Array(command[4] || 256).fill(0x30), 0x90, 0x00])
        : Uint8Array.from([0x90, 0x00]);
    await expect(readCpsCard(endless, 'cps3-contact')).rejects.toBeInstanceOf(CardProtocolError);
  });
});
