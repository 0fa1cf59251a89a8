/**
 * The PC/SC card session against a real pcscd with the vpcd reader and the virtual CPS3 card:
 * what the agent gets when it reads a card, checks a PIN (right, wrong, blocked), signs, and
 * when the card is pulled in the middle or stops answering.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { PcscCardSession } from '../../../app/adapters/pcsc/card-session.js';
import { cardPresence, CpsReadCache } from '../../../app/adapters/pcsc/cps-read-cache.js';
import { PcscBadgeSource } from '../../../app/adapters/pcsc/pcsc-badge-source.js';
import { snapshotPcscReaders } from '../../../app/adapters/pcsc/reader-snapshot.js';
import { createPcscContext, PcscCardError } from '../../../app/adapters/pcsc/transaction.js';
import { readCpsCard } from '../../../app/core/cards/index.js';
import { toHex } from '../../../app/core/badge.js';
import type { BadgeSourceEvent } from '../../../app/core/ports/index.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { createCardPki, type CardPki } from '../../harness/pki.js';
import { VirtualCps3Card, VpcdConnection, type VirtualCard } from '../../harness/vcard/index.js';
import { EventLog } from '../../harness/wait.js';

const READER = 'Virtual PCD 00 00';
const HOLDER = {
  surname: 'Martin',
  givenName: 'Claire',
  nationalId: '899700075122',
  profession: 'Infirmière',
};
let pcscd: RunningPcscd;
let pki: CardPki;
const connections: VpcdConnection[] = [];

/** The virtual card, with every VERIFY that carries a PIN counted on the way in. */
class CountingCard implements VirtualCard {
  pinPresentations = 0;
  constructor(readonly card: VirtualCps3Card) {}
  get atr(): Uint8Array {
    return this.card.atr;
  }
  process(apdu: Uint8Array): Uint8Array {
    // 00 20 00 ref Lc PIN: VERIFY with data; without data (4 bytes) it only asks the tries left.
    if (apdu[1] === 0x20 && apdu.length > 5) this.pinPresentations += 1;
    return this.card.process(apdu);
  }
  reset(): void {
    this.card.reset();
  }
}

async function insert(card: VirtualCard, options: { delayMs?: number } = {}): Promise<VpcdConnection> {
  const connection = new VpcdConnection(card, options);
  connections.push(connection);
  await connection.insert();
  await waitUntilPresent();
  return connection;
}

/** pcscd notices a card within its polling period: wait for it (bounded), never a fixed sleep. */
async function waitUntilPresent(): Promise<void> {
  const session = new PcscCardSession();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await session.authenticationCertificate(READER);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function waitUntilEmpty(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (snapshotPcscReaders().find((r) => r.name === READER)?.cardPresent) {
    if (Date.now() > deadline) throw new Error(`pcscd still sees a card in ${READER} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rejection(promise: Promise<unknown>): Promise<PcscCardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PcscCardError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const pin = (text: string): Uint8Array => new TextEncoder().encode(text);

/** APDUs of the serial alone: what the badge source sends to a CPS3 (see the test). */
const SERIAL_READ = 4;
/** APDUs of an identity read of a card already read during this presence: serial, then tries left. */
const CHEAP_READ = SERIAL_READ + 2;

beforeAll(async () => {
  pcscd = await startPcscd();
  pki = await createCardPki();
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.remove()));
  // Let pcscd see the reader empty before the next test's card (one polling period).
  await new Promise((resolve) => setTimeout(resolve, 800));
});
afterAll(async () => {
  await pcscd.stop();
});

describe('PC/SC card session (real pcscd, virtual CPS3 card)', () => {
  it('reads serial, holder, tries left without spending one, and the chain against the trusted PEMs', async () => {
    const card = await VirtualCps3Card.create({ holder: HOLDER, pki, serialDigits: '27182818' });
    await insert(card);
    const trusting = new PcscCardSession([pki.rootPem + pki.intermediatePem]);
    const identity = await trusting.readIdentity(READER);
    expect(identity).toEqual({
      person: {
        personId: 'cps:899700075122',
        displayName: expect.stringContaining('Martin'),
        nationalId: '899700075122',
        profession: 'Infirmière',
      },
      serial: '8025000001271828187',
      pinTriesLeft: 3,
      chainValid: true,
    });
    expect(card.pinTriesLeft).toBe(3);
    // Without the roots, or with a foreign root, the same card's chain is not valid.
    expect((await new PcscCardSession().readIdentity(READER)).chainValid).toBe(false);
    const otherPki = await createCardPki();
    expect(
      (await new PcscCardSession([otherPki.rootPem, otherPki.intermediatePem]).readIdentity(READER))
        .chainValid,
    ).toBe(false);
    expect(card.pinTriesLeft).toBe(3);
  });

  it('reports a card whose certificate leads to no trusted root: chainValid false, holder still named', async () => {
    // A forger's PKI: the same root and intermediate names as the trusted ones, other keys.
    const forged = await createCardPki();
    const card = await VirtualCps3Card.create({ holder: HOLDER, pki: forged, serialDigits: '66600066' });
    await insert(card);
    const identity = await new PcscCardSession([pki.rootPem + pki.intermediatePem]).readIdentity(READER);
    // The agent refuses the sign-in on chainValid false; it still needs the holder to say who was refused.
    expect(identity).toMatchObject({
      person: { nationalId: '899700075122' },
      serial: '8025000001666000667',
      chainValid: false,
      pinTriesLeft: 3,
    });
    expect(card.pinTriesLeft).toBe(3);
  });

  it('checks a wrong PIN once, counted by the card, then the right one, then signs', async () => {
    const counting = new CountingCard(await VirtualCps3Card.create({ holder: HOLDER, pki, pin: '4321' }));
    await insert(counting);
    const session = new PcscCardSession();
    await session.readIdentity(READER);
    const wrong = pin('0000');
    expect(await session.verifyPin(READER, wrong)).toEqual({ ok: false, reason: 'wrong-pin', triesLeft: 2 });
    expect(counting.pinPresentations).toBe(1);
    expect(counting.card.pinTriesLeft).toBe(2);
    expect((await session.readIdentity(READER)).pinTriesLeft).toBe(2);
    expect(counting.pinPresentations).toBe(1);

    expect(await session.verifyPin(READER, pin('4321'))).toEqual({ ok: true });
    expect(counting.pinPresentations).toBe(2);
    expect(counting.card.pinTriesLeft).toBe(3);

    const digest = createHash('sha256').update('assertion').digest();
    const signature = await session.signDigest(READER, digest);
    const certificate = new X509Certificate(Buffer.from(await session.authenticationCertificate(READER)));
    expect(verify('sha256', Buffer.from('assertion'), certificate.publicKey, signature)).toBe(true);
  });

  it('says a blocked card is blocked, and never presents the PIN again by itself', async () => {
    const counting = new CountingCard(await VirtualCps3Card.create({ holder: HOLDER, pki, pin: '4321' }));
    counting.card.pinTriesLeft = 1;
    await insert(counting);
    const session = new PcscCardSession();
    expect((await session.readIdentity(READER)).pinTriesLeft).toBe(1);
    const last = await session.verifyPin(READER, pin('0000'));
    expect(last.ok).toBe(false);
    expect(counting.card.pinTriesLeft).toBe(0);
    expect(await session.verifyPin(READER, pin('4321'))).toEqual({ ok: false, reason: 'card-blocked' });
    expect(counting.pinPresentations).toBe(2);
    expect((await session.readIdentity(READER)).pinTriesLeft).toBe(0);
  });

  it('says a card pulled in the middle of the read was removed, and reads it when it is back', async () => {
    const card = await VirtualCps3Card.create({ holder: HOLDER, pki });
    const connection = await insert(card);
    const session = new PcscCardSession();
    connection.pullOnNextApdu();
    const error = await rejection(session.readIdentity(READER));
    expect(error.code).toBe('card-removed');
    expect(error.message).toContain(READER);
    // A PIN typed after the card left (pcscd has seen it go) fails safe: nothing sent, nothing retried.
    await waitUntilEmpty();
    expect(await session.verifyPin(READER, pin('1234'))).toEqual({ ok: false, reason: 'card-removed' });
    expect(card.pinTriesLeft).toBe(3);
    await connection.insert(); // the person puts it back
    await waitUntilPresent();
    expect((await session.readIdentity(READER)).serial).toMatch(/^80250000011234567/);
  });

  it('says a card pulled out at the very VERIFY was removed, and never presents the PIN again by itself', async () => {
    const counting = new CountingCard(await VirtualCps3Card.create({ holder: HOLDER, pki, pin: '4321' }));
    const connection = await insert(counting);
    const session = new PcscCardSession();
    await session.readIdentity(READER);
    // 00 20 00 ref Lc PIN: VERIFY carrying a PIN. The card leaves as it arrives: never answered.
    const isVerifyWithPin = (apdu: Uint8Array) => apdu[1] === 0x20 && apdu.length > 5;
    let verifiesSent = 0;
    connection.pullOnApdu((apdu) => isVerifyWithPin(apdu) && ++verifiesSent > 0);
    expect(await session.verifyPin(READER, pin('4321'))).toEqual({ ok: false, reason: 'card-removed' });
    expect(verifiesSent).toBe(1);
    await waitUntilEmpty();
    // Put back: nothing was re-sent meanwhile, the card counted no try, and it reads as before.
    await connection.insert();
    await waitUntilPresent();
    expect((await session.readIdentity(READER)).pinTriesLeft).toBe(3);
    expect(verifiesSent).toBe(1);
    expect(counting.pinPresentations).toBe(0);
  });

  it('gives up on a card that stops answering with a timeout, and reads the next card', async () => {
    const slow = await VirtualCps3Card.create({ holder: HOLDER, pki });
    const connection = new VpcdConnection(slow, { delayMs: 3000 });
    connections.push(connection);
    await connection.insert();
    const session = new PcscCardSession([], { timeoutMs: 500 });
    const deadline = Date.now() + 10_000;
    let error: PcscCardError;
    for (;;) {
      // Until pcscd has noticed the card, the reader is empty ("removed"); then the timeout.
      error = await rejection(session.readIdentity(READER));
      if (error.code === 'timeout' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/did not answer in time/);
    await connection.remove();
    await new Promise((resolve) => setTimeout(resolve, 3500)); // the stuck APDU ends, pcscd sees the reader empty
    await insert(await VirtualCps3Card.create({ holder: HOLDER, pki, serialDigits: '11112222' }));
    expect((await session.readIdentity(READER)).serial).toMatch(/^802500000111112222/);
  });

  it('reads a CPS card in full once per insertion: the badge source only its serial, the card session the rest', async () => {
    const counting = new CountingCard(
      await VirtualCps3Card.create({ holder: HOLDER, pki, serialDigits: '27182818', pin: '4321' }),
    );
    // What reading the whole card costs, straight through the core (no PC/SC): the floor.
    let fullRead = 0;
    await readCpsCard(async (apdu) => {
      fullRead += 1;
      return counting.card.process(apdu);
    }, 'cps3-contact');
    /** The agent's composition: a badge source and a card session, nothing shared between them. */
    const log = new EventLog<BadgeSourceEvent>();
    const source = new PcscBadgeSource({ log: silentLog });
    const session = new PcscCardSession([pki.rootPem + pki.intermediatePem]);
    const connection = new VpcdConnection(counting);
    connections.push(connection);
    await source.start(log.push);
    try {
      await connection.insert();
      const presented = await log.waitFor((e) => e.type === 'badge-presented', 'the CPS card', 10_000, 0);
      const bySource = connection.apduCount;
      const identity = await session.readIdentity(READER);
      const byIdentity = connection.apduCount - bySource;
      const again = await session.readIdentity(READER);
      const byAgain = connection.apduCount - bySource - byIdentity;
      expect(presented.type === 'badge-presented' && presented.badge.badgeId).toBe(identity.serial);
      expect(again).toEqual(identity);
      expect(identity).toMatchObject({ serial: '8025000001271828187', chainValid: true, pinTriesLeft: 3 });
      // The source: SELECT IAS, SELECT EF.SN.ICC, READ BINARY twice (the card answers 6Cxx with
      // the file's length first). Nothing about the holder.
      expect(bySource).toBe(SERIAL_READ);
      // The identity read: the whole card, then SELECT IAS + VERIFY without data (tries left).
      expect(byIdentity).toBe(fullRead + 2);
      // A second one in the same presence: the serial, to know it is the same card, and the tries.
      expect(byAgain).toBe(CHEAP_READ);
      // One tap costs what it did when the source read the whole card and the session re-checked
      // its serial (fullRead + CHEAP_READ): the serial is read once either way.
      expect(bySource + byIdentity).toBe(fullRead + CHEAP_READ);
      // The PIN check and the sign-in take the PIN reference and the certificate from that read.
      const beforePin = connection.apduCount;
      expect(await session.verifyPin(READER, pin('4321'))).toEqual({ ok: true });
      expect(connection.apduCount - beforePin).toBe(2); // SELECT IAS, VERIFY
      expect(counting.pinPresentations).toBe(1);
      const beforeCertificate = connection.apduCount;
      const certificate = await session.authenticationCertificate(READER);
      expect(connection.apduCount).toBe(beforeCertificate);
      expect(new X509Certificate(Buffer.from(certificate)).subject).toContain('899700075122');
      console.info(
        `APDUs at one CPS tap: badge source ${bySource}; identity read ${byIdentity}; whole card ${fullRead}`,
      );
    } finally {
      await connection.remove();
      await log.waitFor((e) => e.type === 'badge-removed', 'the removal', 10_000, 0);
      await source.stop();
    }
  });

  it('reads the card in full again after it was taken out and put back, or when its serial is not the one read', async () => {
    const reads = new CpsReadCache();
    const session = new PcscCardSession([], { cpsReads: reads });
    const first = await VirtualCps3Card.create({ holder: HOLDER, pki, serialDigits: '11112222' });
    const connection = await insert(first);
    const full = connection.apduCount;
    await session.readIdentity(READER);
    const fullRead = connection.apduCount - full;
    await connection.remove();
    await waitUntilEmpty();
    await connection.insert();
    await waitUntilPresent();
    const reinserted = connection.apduCount;
    await session.readIdentity(READER);
    // A new presence of the same card: what was read before is not trusted, the card is read again.
    expect(connection.apduCount - reinserted).toBe(fullRead);
    const cheap = connection.apduCount;
    await session.readIdentity(READER);
    expect(connection.apduCount - cheap).toBe(CHEAP_READ);

    // Another card's data under this presence (a counter that started again with pcscd): the
    // serial differs, so the card is read in full and its own holder is reported.
    const context = createPcscContext();
    const reader = context.listReaders().find((r) => r.name === READER);
    context.close();
    const presence = cardPresence(reader?.state, toHex(Uint8Array.from(reader?.atr ?? [])));
    expect(presence).not.toBeNull();
    const stranger = await VirtualCps3Card.create({
      holder: { ...HOLDER, nationalId: '810000000001', surname: 'Autre' },
      pki,
      serialDigits: '99998888',
    });
    reads.set(READER, presence, await readCpsCard(async (apdu) => stranger.process(apdu), 'cps3-contact'));
    const before = connection.apduCount;
    const identity = await session.readIdentity(READER);
    expect(identity.person.nationalId).toBe('899700075122');
    expect(identity.serial).toMatch(/^802500000111112222/);
    // The serial (4 APDUs), found different: the full read follows.
    expect(connection.apduCount - before).toBe(fullRead + CHEAP_READ - 2);
  });
});
