/**
 * The BadgeSource contract (app/core/ports/badge-source.ts) as one suite, run against every
 * source through a rig that drives its reader: the simulated source (unit), the HID source on a
 * fake node-hid (unit), the PC/SC source on a real pcscd with vpcd (integration). What the agent
 * sees for the same thing — a tap, a badge left on a reader that is unplugged, a reader plugged
 * back — is the same whichever source reports it.
 *
 * A rig that cannot run here says why: its tests are then named failures (`unavailable` set in
 * `open`) — never passes, never silently skipped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { BadgeKind } from '../../app/core/identity.js';
import type { BadgeSource, BadgeSourceEvent, ReaderInfo } from '../../app/core/ports/index.js';
import { EventLog } from './wait.js';

/** Drives one kind of reader for the contract. */
export interface BadgeSourceRig {
  /** A new source under test, not started. */
  createSource(): BadgeSource;
  /** The name its reader is reported under. */
  readonly readerName: string;
  readonly readerKind: ReaderInfo['kind'];
  /** What a badge put down on this reader is reported as. */
  readonly badgeKind: BadgeKind;
  /**
   * `lasting`: a badge stays on the reader until taken away (PC/SC, the simulation);
   * `momentary`: the reader reports a tap and nothing more (HID: presented, then removed at once).
   */
  readonly presence: 'lasting' | 'momentary';
  /** A badge with this UID (upper-case hex) put on the reader; momentary readers report a whole tap. */
  putDown(uid: string): Promise<void>;
  /** The badge taken away (nothing to do for a momentary reader). */
  takeAway(): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  /** How long any event may take to come (a real pcscd polls its readers). */
  readonly patienceMs: number;
  /** How long to watch to be sure that nothing comes. */
  readonly quietMs: number;
  /** Puts the reader back as it was for the next test (badge taken away, reader plugged). */
  reset(): Promise<void>;
}

export interface ContractTarget {
  /** Makes the rig once for the file, or throws saying why it cannot run here. */
  open(): Promise<BadgeSourceRig>;
  close?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Defines the contract's tests for one source. */
export function badgeSourceContract(name: string, target: ContractTarget): void {
  describe(`BadgeSource contract: ${name}`, () => {
    let rig: BadgeSourceRig;
    const running: BadgeSource[] = [];

    beforeAll(async () => {
      rig = await target.open();
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((source) => source.stop()));
      await rig?.reset();
    });
    afterAll(async () => {
      await target.close?.();
    });

    async function started(): Promise<{ source: BadgeSource; log: EventLog<BadgeSourceEvent> }> {
      const source = rig.createSource();
      const log = new EventLog<BadgeSourceEvent>();
      running.push(source);
      await source.start(log.push);
      return { source, log };
    }

    const readerAdded = (e: BadgeSourceEvent) =>
      e.type === 'reader-added' && e.reader.name === rig.readerName;
    const presentedOf = (uid: string) => (e: BadgeSourceEvent) =>
      e.type === 'badge-presented' && e.badge.badgeId === uid;
    const removedOf = (uid: string) => (e: BadgeSourceEvent) =>
      e.type === 'badge-removed' && e.badgeId === uid;
    const badgeEvents = (log: EventLog<BadgeSourceEvent>, since = 0) =>
      log.events.slice(since).filter((e) => e.type === 'badge-presented' || e.type === 'badge-removed');

    /** One whole tap of `uid`: put down, seen, taken away, seen gone. */
    async function tap(log: EventLog<BadgeSourceEvent>, uid: string): Promise<void> {
      const since = log.events.length;
      await rig.putDown(uid);
      await log.waitFor(presentedOf(uid), `the tap of ${uid}`, rig.patienceMs, since);
      await rig.takeAway();
      await log.waitFor(removedOf(uid), `the removal of ${uid}`, rig.patienceMs, since);
    }

    it('reports its reader by name once started, and lists it with its kind', async () => {
      const { source, log } = await started();
      const added = await log.waitFor(readerAdded, 'the reader', rig.patienceMs, 0);
      expect(added).toEqual({
        type: 'reader-added',
        reader: { name: rig.readerName, kind: rig.readerKind, cardPresent: false },
      });
      expect(source.readers()).toContainEqual({
        name: rig.readerName,
        kind: rig.readerKind,
        cardPresent: false,
      });
    });

    it('reports a tap exactly once, then its removal with the same badge ID and reader', async () => {
      const { source, log } = await started();
      await log.waitFor(readerAdded, 'the reader', rig.patienceMs, 0);
      const since = log.events.length;
      await rig.putDown('04A1B2C3D4E5F6');
      await log.waitFor(presentedOf('04A1B2C3D4E5F6'), 'the tap', rig.patienceMs, since);
      if (rig.presence === 'lasting') {
        expect(source.readers().find((r) => r.name === rig.readerName)?.cardPresent).toBe(true);
      }
      await rig.takeAway();
      await log.waitFor(removedOf('04A1B2C3D4E5F6'), 'the removal', rig.patienceMs, since);
      await sleep(rig.quietMs);
      expect(badgeEvents(log, since)).toEqual([
        {
          type: 'badge-presented',
          badge: {
            badgeId: '04A1B2C3D4E5F6',
            kind: rig.badgeKind,
            readerName: rig.readerName,
            contact: false,
          },
        },
        { type: 'badge-removed', badgeId: '04A1B2C3D4E5F6', readerName: rig.readerName },
      ]);
      expect(source.readers().find((r) => r.name === rig.readerName)?.cardPresent).toBe(false);
    });

    it('reports taps one after another each once, the same badge again included', async () => {
      const { log } = await started();
      await log.waitFor(readerAdded, 'the reader', rig.patienceMs, 0);
      const since = log.events.length;
      for (const uid of ['04A1B2C3', '8A4F2C1D', '04A1B2C3']) await tap(log, uid);
      await sleep(rig.quietMs);
      expect(
        badgeEvents(log, since).map(
          (e) => `${e.type} ${e.type === 'badge-presented' ? e.badge.badgeId : e.badgeId}`,
        ),
      ).toEqual([
        'badge-presented 04A1B2C3',
        'badge-removed 04A1B2C3',
        'badge-presented 8A4F2C1D',
        'badge-removed 8A4F2C1D',
        'badge-presented 04A1B2C3',
        'badge-removed 04A1B2C3',
      ]);
    });

    it('unplugged with a badge on it: the badge is removed first (same ID), then the reader is lost', async () => {
      const { source, log } = await started();
      await log.waitFor(readerAdded, 'the reader', rig.patienceMs, 0);
      const since = log.events.length;
      await rig.putDown('04C0FFEE');
      await log.waitFor(presentedOf('04C0FFEE'), 'the badge', rig.patienceMs, since);
      await rig.unplug();
      const lost = await log.waitFor(
        (e) => e.type === 'reader-lost' && e.readerName === rig.readerName,
        'the reader lost',
        rig.patienceMs,
        since,
      );
      const lostAt = log.events.indexOf(lost);
      const before = log.events.slice(since, lostAt);
      expect(before.filter((e) => removedOf('04C0FFEE')(e))).toEqual([
        { type: 'badge-removed', badgeId: '04C0FFEE', readerName: rig.readerName },
      ]);
      expect(source.readers().map((r) => r.name)).not.toContain(rig.readerName);
      // Nothing is left presented on a reader that is gone.
      await sleep(rig.quietMs);
      expect(
        log.events.slice(lostAt).filter((e) => removedOf('04C0FFEE')(e) || presentedOf('04C0FFEE')(e)),
      ).toEqual([]);
    });

    it('takes a reader plugged in after start (or back): reported with reader-added, and its taps are seen', async () => {
      await rig.unplug();
      const { source, log } = await started();
      await sleep(rig.quietMs);
      expect(log.events.filter(readerAdded)).toEqual([]);
      expect(source.readers().map((r) => r.name)).not.toContain(rig.readerName);
      await rig.replug();
      await log.waitFor(readerAdded, 'the reader plugged in', rig.patienceMs, 0);
      await tap(log, '04112233');
      expect(log.events.filter(presentedOf('04112233'))).toHaveLength(1);
    });

    it('reports nothing once stop has resolved, whatever happens on the reader', async () => {
      const { source, log } = await started();
      await log.waitFor(readerAdded, 'the reader', rig.patienceMs, 0);
      await source.stop();
      const since = log.events.length;
      await rig.putDown('04DEAD01');
      await sleep(rig.quietMs);
      await rig.takeAway();
      await rig.unplug();
      await sleep(rig.quietMs);
      expect(log.events.slice(since)).toEqual([]);
    });
  });
}
