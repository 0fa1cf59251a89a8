/**
 * The PC/SC badge source against a real pcscd with the vpcd reader, and virtual badges
 * plugged into it over TCP: what the agent sees when badges are tapped, when a reader or the
 * whole service goes away and comes back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PcscBadgeSource } from '../../../app/adapters/pcsc/pcsc-badge-source.js';
import { snapshotPcscReaders } from '../../../app/adapters/pcsc/reader-snapshot.js';
import { createPcscContext, type PcscContextLike } from '../../../app/adapters/pcsc/transaction.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import type { BadgeSourceEvent } from '../../../app/core/ports/index.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { createCardPki, type CardPki } from '../../harness/pki.js';
import {
  VirtualCps3Card,
  VirtualUidBadge,
  VpcdConnection,
  type VirtualCard,
} from '../../harness/vcard/index.js';
import { EventLog } from '../../harness/wait.js';

const READER = 'Virtual PCD 00 00';
/** Two vpcd reader entries (the second one is unplugged and plugged back); these tests restart pcscd. */
const PCSCD = { readers: 2, takeOver: true } as const;
const SECOND_READER = ['Virtual PCD #2 00 00', 'Virtual PCD #2 00 01'];
const SECOND_READER_PORT = 35965;
let pcscd: RunningPcscd;
let pki: CardPki;
const sources: PcscBadgeSource[] = [];
const connections: VpcdConnection[] = [];

beforeAll(async () => {
  pcscd = await startPcscd(PCSCD);
  pki = await createCardPki();
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.remove()));
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  // pcscd polls the vpcd reader every ~400 ms: a card pulled and another inserted within one
  // poll look like the same card to it. A person swapping badges takes longer than that.
  await new Promise((resolve) => setTimeout(resolve, 800));
});
afterAll(async () => {
  await pcscd.stop();
});

async function startSource(options: Partial<ConstructorParameters<typeof PcscBadgeSource>[0]> = {}) {
  const log = new EventLog<BadgeSourceEvent>();
  const source = new PcscBadgeSource({ log: silentLog, ...options });
  sources.push(source);
  await source.start(log.push);
  return { source, log };
}

function card(virtual: VirtualCard): VpcdConnection {
  const connection = new VpcdConnection(virtual);
  connections.push(connection);
  return connection;
}

/** Waits (bounded) for a condition that no event announces. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const presented = (e: BadgeSourceEvent) => e.type === 'badge-presented';
const removed = (e: BadgeSourceEvent) => e.type === 'badge-removed';

describe('PC/SC badge source (real pcscd, vpcd reader)', () => {
  it('finds the reader by name, sees a badge tapped and taken away, with one canonical ID', async () => {
    const { source, log } = await startSource();
    await log.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === READER,
      'the vpcd reader',
      10_000,
      0,
    );
    const badge = card(new VirtualUidBadge('04a1b2c3d4e5f6'));
    await badge.insert();
    const tap = await log.waitFor(presented, 'the tap');
    expect(tap).toEqual({
      type: 'badge-presented',
      badge: { badgeId: '04A1B2C3D4E5F6', kind: 'rfid', readerName: READER, contact: false },
    });
    expect(source.readers().find((r) => r.name === READER)?.cardPresent).toBe(true);
    await badge.remove();
    expect(await log.waitFor(removed, 'the removal')).toEqual({
      type: 'badge-removed',
      badgeId: '04A1B2C3D4E5F6',
      readerName: READER,
    });
  });

  it('applies the per-reader byte-order rule so the same badge gives the same ID on every reader', async () => {
    const { log } = await startSource({ uidByteOrder: ['Virtual PCD=reversed'] });
    await card(new VirtualUidBadge('F6E5D4C3B2A104')).insert();
    const tap = await log.waitFor(presented, 'the tap');
    expect(tap.type === 'badge-presented' && tap.badge.badgeId).toBe('04A1B2C3D4E5F6');
  });

  it('says what an unknown card is, and presents nothing', async () => {
    const { log } = await startSource();
    const stranger: VirtualCard = {
      atr: Uint8Array.from([0x3b, 0x02, 0x14, 0x50]),
      process: () => Uint8Array.from([0x6d, 0x00]),
      reset: () => undefined,
    };
    await card(stranger).insert();
    const status = await log.waitFor(
      (e) => e.type === 'source-status' && /unknown badge/.test(e.detail),
      'a diagnostic',
    );
    expect(status.type === 'source-status' && status.detail).toContain('ATR 3B021450');
    expect(log.events.some(presented)).toBe(false);
  });

  it('says why a card with a CPS ATR that answers no CPS command is no badge, and presents nothing', async () => {
    const { log } = await startSource();
    // The CPS3 contact ATR, then 6D00 (instruction not supported) to everything: an impostor, or
    // a card the ATR registry mistakes for a CPS.
    const impostor: VirtualCard = {
      atr: Uint8Array.from(Buffer.from('3BAC00402A001225006480000310009000', 'hex')),
      process: () => Uint8Array.from([0x6d, 0x00]),
      reset: () => undefined,
    };
    const connection = card(impostor);
    await connection.insert();
    const status = await log.waitFor(
      (e) => e.type === 'source-status' && /badge not read/.test(e.detail),
      'a diagnostic',
    );
    expect(status.type === 'source-status' && status.detail).toMatch(
      /badge not read on Virtual PCD 00 00 \(CPS3.*\): .*SELECT IAS application refused by the card \(status 6D00\) — instruction not supported/,
    );
    // A card answer that will not change is asked once, not again and again.
    expect(connection.apduCount).toBe(1);
    expect(log.events.some(presented)).toBe(false);
  });

  it('sees a badge already on the reader when it starts, and taps on other readers after that', async () => {
    const resting = card(new VirtualUidBadge('04A1B2C3D4E5F6'));
    await resting.insert();
    // Let pcscd see it before the source starts.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const { log } = await startSource();
    await log.waitFor((e) => presented(e) && e.badge.readerName === READER, 'the badge already there');
    const other = new VpcdConnection(new VirtualUidBadge('04112233445566'), { port: 35964 });
    connections.push(other);
    await other.insert();
    const tap = await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '04112233445566',
      'a tap on the second reader',
    );
    expect(tap.type === 'badge-presented' && tap.badge.readerName).toBe('Virtual PCD 00 01');
  });

  it('says a badge pulled in the middle of its read was not read, and reads the next tap', async () => {
    const { log } = await startSource();
    await log.waitFor((e) => e.type === 'reader-added' && e.reader.name === READER, 'the reader', 10_000, 0);
    const hasty = card(new VirtualUidBadge('04A1B2C3D4E5F6'));
    hasty.pullOnNextApdu();
    await hasty.insert();
    await log.waitFor(
      (e) => e.type === 'source-status' && /badge not read/.test(e.detail),
      'the failed read',
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    await hasty.insert();
    await log.waitFor(presented, 'the next tap');
  });

  it('recovers when pcscd is restarted: the outage is said, taps after it are seen, none twice', async () => {
    if (!pcscd.ours)
      throw new Error('this test restarts pcscd: stop the pcscd started outside the tests first');
    const { log } = await startSource();
    const badge = card(new VirtualUidBadge('04112233445566'));
    await badge.insert();
    await log.waitFor(presented, 'the first tap');
    const beforeRestart = log.events.length;
    await pcscd.restart();
    await log.waitFor(
      (e) => e.type === 'source-status' && e.available === false,
      'the outage',
      10_000,
      beforeRestart,
    );
    await log.waitFor(
      (e) => e.type === 'source-status' && e.available === true,
      'the recovery',
      15_000,
      beforeRestart,
    );
    // vpcd dropped the card's connection when pcscd went down: the badge has to be re-presented.
    const since = log.events.length;
    await badge.insert();
    await log.waitFor(presented, 'the tap after recovery', 10_000, since);
    const second = card(new VirtualUidBadge('8A4F2C1D'));
    await badge.remove();
    await log.waitFor(removed, 'the removal after recovery', 10_000, since);
    await second.insert();
    const next = await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '8A4F2C1D',
      'a new tap',
      10_000,
      since,
    );
    expect(next.type).toBe('badge-presented');
    expect(log.events.filter((e) => presented(e) && e.badge.badgeId === '04112233445566')).toHaveLength(2);
  });

  it('starts without pcscd, says so, and picks the readers up when the service appears', async () => {
    if (!pcscd.ours) throw new Error('this test stops pcscd: stop the pcscd started outside the tests first');
    await pcscd.stop();
    const { log } = await startSource({ maxBackoffMs: 500 });
    await log.waitFor((e) => e.type === 'source-status' && e.available === false, 'the outage', 10_000, 0);
    // The source may find the reader before startPcscd returns (it waits for vpcd's slots).
    const since = log.events.length;
    pcscd = await startPcscd(PCSCD);
    await log.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === READER,
      'the reader',
      15_000,
      since,
    );
    await card(new VirtualUidBadge('04A1B2C3D4E5F6')).insert();
    await log.waitFor(presented, 'a tap');
  });
  it('presents a CPS card by its serial, as a contact card, and its removal with the same ID', async () => {
    const { log } = await startSource();
    const cps = await VirtualCps3Card.create({
      holder: { surname: 'Durand', givenName: 'Paul', nationalId: '810001234567', profession: 'Médecin' },
      pki,
      serialDigits: '27182818',
    });
    const connection = card(cps);
    await connection.insert();
    expect(await log.waitFor(presented, 'the CPS card')).toEqual({
      type: 'badge-presented',
      badge: { badgeId: '8025000001271828187', kind: 'cps-card', readerName: READER, contact: true },
    });
    expect(cps.pinTriesLeft).toBe(3);
    await connection.remove();
    expect(await log.waitFor(removed, 'the removal')).toEqual({
      type: 'badge-removed',
      badgeId: '8025000001271828187',
      readerName: READER,
    });
  });

  it('says a reader is lost when it is unplugged, and takes taps on it again once it is back', async () => {
    if (!pcscd.ours) throw new Error('this test re-plugs a vpcd reader: it needs a pcscd of its own');
    const { source, log } = await startSource();
    await log.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === SECOND_READER[0],
      'the second reader',
      10_000,
      0,
    );
    const resting = new VpcdConnection(new VirtualUidBadge('04A1B2C3'), { port: SECOND_READER_PORT });
    connections.push(resting);
    await resting.insert();
    await log.waitFor((e) => presented(e) && e.badge.readerName === SECOND_READER[0], 'the badge on it');
    const since = log.events.length;
    await pcscd.unplug(1);
    for (const name of SECOND_READER)
      await log.waitFor(
        (e) => e.type === 'reader-lost' && e.readerName === name,
        `${name} lost`,
        15_000,
        since,
      );
    // Its badge went with it, said before the reader itself.
    const lostAt = log.events.findIndex((e, i) => i >= since && e.type === 'reader-lost');
    const removedAt = log.events.findIndex((e, i) => i >= since && removed(e) && e.badgeId === '04A1B2C3');
    expect(removedAt).toBeGreaterThanOrEqual(since);
    expect(removedAt).toBeLessThan(lostAt);
    expect(source.readers().map((r) => r.name)).not.toContain(SECOND_READER[0]);
    expect(source.readers().map((r) => r.name)).toContain(READER);

    await pcscd.replug(1);
    await log.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === SECOND_READER[0],
      'the reader back',
      15_000,
      since,
    );
    const tap = new VpcdConnection(new VirtualUidBadge('04D4E5F6'), { port: SECOND_READER_PORT });
    connections.push(tap);
    await tap.insert();
    await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '04D4E5F6',
      'a tap on the re-plugged reader',
      10_000,
      since,
    );
  });

  it('loses nothing when pcscd is killed while the source runs: the badge on the reader is removed, each later tap seen once', async () => {
    if (!pcscd.ours) throw new Error('this test kills pcscd: it needs a pcscd of its own');
    const { log } = await startSource({ maxBackoffMs: 500 });
    const resting = card(new VirtualUidBadge('04112233'));
    await resting.insert();
    await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '04112233',
      'the badge on the reader',
      10_000,
      0,
    );
    const since = log.events.length;
    await pcscd.restart('SIGKILL');
    await log.waitFor((e) => e.type === 'source-status' && e.available, 'the recovery', 15_000, since);
    // vpcd dropped the card's connection with pcscd: after the recovery the reader is empty.
    await log.waitFor(
      (e) => removed(e) && e.badgeId === '04112233',
      'the removal found on recovery',
      10_000,
      since,
    );
    const uids = ['04000001', '04000002', '04000003'];
    for (const uid of uids) {
      const badge = card(new VirtualUidBadge(uid));
      await badge.insert();
      await log.waitFor((e) => presented(e) && e.badge.badgeId === uid, `the tap of ${uid}`, 10_000, since);
      await badge.remove();
      await log.waitFor((e) => removed(e) && e.badgeId === uid, `the removal of ${uid}`, 10_000, since);
    }
    const after = log.events.slice(since);
    for (const uid of uids)
      expect(after.filter((e) => presented(e) && e.badge.badgeId === uid)).toHaveLength(1);
    expect(after.filter((e) => e.type === 'reader-lost')).toEqual([]);
  });

  it('re-synchronises on request (resume from sleep) and reports only what changed', async () => {
    const { source, log } = await startSource();
    const resting = card(new VirtualUidBadge('04AABBCC'));
    await resting.insert();
    await log.waitFor((e) => presented(e) && e.badge.badgeId === '04AABBCC', 'the badge', 10_000, 0);
    const since = log.events.length;
    source.resync();
    // Nothing changed: the badge still there is not presented again. A tap after it is seen.
    const other = new VpcdConnection(new VirtualUidBadge('04DDEEFF'), { port: 35964 });
    connections.push(other);
    await other.insert();
    await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '04DDEEFF',
      'a tap after the resync',
      10_000,
      since,
    );
    expect(
      log.events.slice(since).filter((e) => e.type !== 'badge-presented' || e.badge.badgeId !== '04DDEEFF'),
    ).toEqual([]);
  });

  it('notices by itself that the machine slept and reports a badge pulled out meanwhile', async () => {
    // The machine sleeps in the middle of a watch: that watch never answers (it is cancelled on
    // resume), every context made after it is the real one. The wall clock and the resume
    // check's timer are the test's, so the sleep is an hour long.
    let asleep = false;
    let wake: (() => void) | null = null;
    const sleepingContext = (): PcscContextLike => {
      const real = createPcscContext();
      return {
        listReaders: () => real.listReaders(),
        close: () => real.close(),
        cancel: () => {
          wake?.();
          real.cancel();
        },
        waitForChange: (states, timeout) =>
          asleep
            ? new Promise((resolve) => (wake = () => resolve(null)))
            : real.waitForChange(states, timeout),
      };
    };
    let now = Date.now();
    let tick: () => void = () => undefined;
    const { source, log } = await startSource({
      createContext: sleepingContext,
      resume: {
        now: () => now,
        every: (_ms, t) => {
          tick = t;
          return () => undefined;
        },
      },
    });
    const resting = card(new VirtualUidBadge('04C0FFEE'));
    await resting.insert();
    await log.waitFor((e) => presented(e) && e.badge.badgeId === '04C0FFEE', 'the badge', 10_000, 0);
    asleep = true;
    // The watch in flight ends within a second; the next one is the one that sleeps.
    await until(() => wake !== null, 'the watch that sleeps');
    const since = log.events.length;
    await resting.remove();
    const putDown = new VpcdConnection(new VirtualUidBadge('04BEEF01'), { port: 35964 });
    connections.push(putDown);
    await putDown.insert();
    // pcscd (which does not sleep here) has seen both; the sleeping source has said nothing.
    await until(() => {
      const readers = snapshotPcscReaders();
      return (
        readers.find((r) => r.name === READER)?.cardPresent === false &&
        readers.find((r) => r.name === 'Virtual PCD 00 01')?.cardPresent === true
      );
    }, 'pcscd to see the badges move');
    expect(log.events.slice(since)).toEqual([]);
    // The machine wakes: the resume check's next tick comes an hour later by the wall clock.
    asleep = false;
    now += 3_600_000;
    tick();
    expect(
      await log.waitFor((e) => removed(e) && e.badgeId === '04C0FFEE', 'the removal', 10_000, since),
    ).toEqual({ type: 'badge-removed', badgeId: '04C0FFEE', readerName: READER });
    await log.waitFor(
      (e) => presented(e) && e.badge.badgeId === '04BEEF01',
      'the badge put down',
      10_000,
      since,
    );
    expect(source.readers().find((r) => r.name === READER)?.cardPresent).toBe(false);
  });
});
