/**
 * The PC/SC badge source against a fake PC/SC context: what real pcscd makes hard to provoke on
 * demand — a badge swapped for another while the source was busy, no service at all at start,
 * byte-order rules for readers that are not there.
 */
import { describe, expect, it } from '@jest/globals';
import * as pcsc from 'smartcard';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import { PcscBadgeSource } from '../../../../app/adapters/pcsc/pcsc-badge-source.js';
import type { PcscContextLike, PcscReaderHandle } from '../../../../app/adapters/pcsc/transaction.js';
import type { BadgeSourceEvent } from '../../../../app/core/ports/index.js';
import { VirtualUidBadge } from '../../../harness/vcard/index.js';
import { EventLog } from '../../../harness/wait.js';

/** What the fake service knows: readers, the badge on each, and pcsc-lite's event counter. */
class FakeService {
  up = true;
  /**
   * A watch begun while this is true never answers until it is cancelled: the process froze in
   * the middle of it (the machine went to sleep), and the context it used is stale on resume.
   */
  frozen = false;
  /** How many times a watch was cancelled (a re-synchronisation, or the source stopping). */
  cancels = 0;
  readonly readers = new Map<string, { badge: VirtualUidBadge | null; events: number }>();
  private wake: (() => void)[] = [];

  state(name: string): number {
    const reader = this.readers.get(name);
    if (!reader) return pcsc.SCARD_STATE_UNKNOWN;
    const presence = reader.badge ? pcsc.SCARD_STATE_PRESENT : pcsc.SCARD_STATE_EMPTY;
    return presence | (reader.events << 16);
  }

  /** Puts a badge down, takes it away, or swaps it, counting each card event as pcsc-lite does. */
  set(name: string, badge: VirtualUidBadge | null, events = 1): void {
    const reader = this.readers.get(name) ?? { badge: null, events: 0 };
    this.readers.set(name, { badge, events: reader.events + events });
    this.changed();
  }

  changed(): void {
    for (const wake of this.wake.splice(0)) wake();
  }

  waitForWake(): Promise<void> {
    return new Promise((resolve) => this.wake.push(resolve));
  }

  context(): PcscContextLike {
    if (!this.up) throw new Error('PC/SC service not running');
    let cancelled: (() => void) | null = null;
    return {
      listReaders: (): PcscReaderHandle[] =>
        [...this.readers].map(([name, reader]) => ({
          name,
          atr: reader.badge ? Buffer.from(reader.badge.atr) : null,
          connect: async () => {
            const badge = this.readers.get(name)?.badge;
            if (!badge) throw new Error('No smart card present');
            return {
              atr: Buffer.from(badge.atr),
              transmit: async (command: Buffer | number[]) =>
                Buffer.from(badge.process(Uint8Array.from(command))),
              disconnect: () => undefined,
            };
          },
        })),
      waitForChange: async (states, timeout) => {
        // pcsc-lite's limit (PCSCLITE_MAX_READERS_CONTEXTS), the PnP pseudo-reader included.
        if (states.length > 16) throw new Error('Invalid value given');
        if (this.frozen) {
          await new Promise<void>((resolve) => (cancelled = resolve));
          return null;
        }
        for (;;) {
          if (!this.up) throw new Error('PC/SC service stopped');
          const changes = states
            .filter((s) => !s.name.includes('PnP'))
            .filter((s) => s.state !== this.state(s.name))
            .map((s) => ({
              name: s.name,
              state: this.state(s.name) | pcsc.SCARD_STATE_CHANGED,
              atr: this.atr(s.name),
            }));
          if (changes.length) return changes;
          const outcome = await Promise.race([
            this.waitForWake().then(() => 'changed' as const),
            new Promise<'cancelled'>((resolve) => (cancelled = () => resolve('cancelled'))),
            new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.min(timeout, 50))),
          ]);
          if (outcome === 'cancelled') return null;
          if (outcome === 'timeout') return [];
        }
      },
      cancel: () => {
        this.cancels += 1;
        cancelled?.();
      },
      close: () => undefined,
    };
  }

  private atr(name: string): Buffer | null {
    const badge = this.readers.get(name)?.badge;
    return badge ? Buffer.from(badge.atr) : null;
  }
}

async function started(
  service: FakeService,
  options: Partial<ConstructorParameters<typeof PcscBadgeSource>[0]> = {},
) {
  const log = new EventLog<BadgeSourceEvent>();
  const source = new PcscBadgeSource({
    log: silentLog,
    createContext: () => service.context(),
    maxBackoffMs: 50,
    ...options,
  });
  await source.start(log.push);
  return { source, log };
}

const presented = (id: string) => (e: BadgeSourceEvent) =>
  e.type === 'badge-presented' && e.badge.badgeId === id;

describe('PC/SC badge source (fake PC/SC service)', () => {
  it('sees a badge swapped for another between two watches as a removal and a new tap', async () => {
    const service = new FakeService();
    service.set('Reader A', new VirtualUidBadge('04A1B2C3'));
    const { source, log } = await started(service);
    await log.waitFor(presented('04A1B2C3'), 'the first badge', 2000, 0);
    // Out, and another in, faster than one watch: present before, present after, two events counted.
    service.set('Reader A', new VirtualUidBadge('04D4E5F6'), 2);
    await log.waitFor(presented('04D4E5F6'), 'the second badge', 2000, 0);
    expect(log.events.filter((e) => e.type.startsWith('badge'))).toEqual([
      expect.objectContaining({ type: 'badge-presented' }),
      { type: 'badge-removed', badgeId: '04A1B2C3', readerName: 'Reader A' },
      expect.objectContaining({ type: 'badge-presented' }),
    ]);
    // The same badge lifted and put back as fast is a second tap too.
    service.set('Reader A', new VirtualUidBadge('04D4E5F6'), 2);
    await log.waitFor(
      () => log.events.filter((e) => presented('04D4E5F6')(e)).length === 2,
      'the same badge tapped again',
      2000,
      0,
    );
    await source.stop();
  });

  it('starts at once without a service, says so, and picks the readers up when it appears', async () => {
    const service = new FakeService();
    service.up = false;
    service.set('Reader A', null);
    const { source, log } = await started(service);
    await log.waitFor((e) => e.type === 'source-status' && !e.available, 'the outage', 2000, 0);
    expect(source.readers()).toEqual([]);
    service.up = true;
    await log.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === 'Reader A',
      'the reader',
      2000,
      0,
    );
    service.set('Reader A', new VirtualUidBadge('04A1B2C3'));
    await log.waitFor(presented('04A1B2C3'), 'a tap');
    expect(log.events.filter((e) => e.type === 'source-status')).toHaveLength(2);
    await source.stop();
  });

  it('follows 16 readers, as many as pcsc-lite serves, and sees a tap on each', async () => {
    const service = new FakeService();
    const names = Array.from({ length: 16 }, (_, i) => `Reader ${i.toString().padStart(2, '0')}`);
    for (const name of names) service.set(name, null);
    const { source, log } = await started(service);
    await log.waitFor(() => source.readers().length === 16, 'the 16 readers', 2000, 0);
    names.forEach((name, i) =>
      service.set(name, new VirtualUidBadge(`04A1B2${i.toString(16).padStart(2, '0')}`)),
    );
    await log.waitFor(
      () => log.events.filter((e) => e.type === 'badge-presented').length === 16,
      'a tap on every reader',
      2000,
      0,
    );
    expect(log.events.filter((e) => e.type === 'source-status' && !e.available)).toEqual([]);
    await source.stop();
  });

  it('comes back quickly after every outage, however many there were before', async () => {
    const service = new FakeService();
    service.set('Reader A', null);
    // A long longest pause: were each outage to start where the last one left off, the fifth
    // would wait 4 s before trying again.
    const { source, log } = await started(service, { maxBackoffMs: 60_000 });
    await log.waitFor((e) => e.type === 'reader-added', 'the reader', 2000, 0);
    for (let outage = 1; outage <= 5; outage += 1) {
      service.up = false;
      service.changed();
      const since = log.events.length;
      await log.waitFor((e) => e.type === 'source-status' && !e.available, `outage ${outage}`, 2000, since);
      // Down long enough for a few attempts to fail.
      await new Promise((resolve) => setTimeout(resolve, 300));
      service.up = true;
      await log.waitFor((e) => e.type === 'source-status' && e.available, `recovery ${outage}`, 2000, since);
    }
    service.set('Reader A', new VirtualUidBadge('04A1B2C3'));
    await log.waitFor(presented('04A1B2C3'), 'a tap after the outages');
    await source.stop();
  });

  it("applies policy's byte-order rules by reader-name prefix, first match first", async () => {
    const service = new FakeService();
    service.set('ACS ACR1252 PICC 00 00', new VirtualUidBadge('F6E5D4C3B2A104'));
    service.set('Identiv uTrust 00 00', new VirtualUidBadge('04A1B2C3D4E5F6'));
    const { source, log } = await started(service, {
      uidByteOrder: ['ACS ACR12=reversed', 'ACS=as-read', 'Identiv=as-read'],
    });
    await log.waitFor(
      () => log.events.filter((e) => e.type === 'badge-presented').length === 2,
      'both badges',
      2000,
      0,
    );
    const ids = log.events.flatMap((e) => (e.type === 'badge-presented' ? [e.badge.badgeId] : []));
    expect(ids).toEqual(['04A1B2C3D4E5F6', '04A1B2C3D4E5F6']);
    await source.stop();
  });
});

/** A clock the test moves and a timer the test ticks: the resume detector's view of time. */
class SleepyClock {
  now = 1_000_000;
  private ticks: (() => void)[] = [];
  readonly options = {
    now: () => this.now,
    every: (_ms: number, tick: () => void) => {
      this.ticks.push(tick);
      return () => {
        this.ticks = this.ticks.filter((t) => t !== tick);
      };
    },
    intervalMs: 5000,
    gapMs: 10_000,
  };

  /** The timer fires `ms` of wall-clock time after the last tick. */
  tick(ms: number): void {
    this.now += ms;
    for (const tick of this.ticks) tick();
  }

  get running(): number {
    return this.ticks.length;
  }
}

describe('PC/SC badge source across a sleep (fake PC/SC service, injected clock)', () => {
  it('reports a badge taken away while the machine slept once it wakes, and only that', async () => {
    const service = new FakeService();
    service.set('Reader A', new VirtualUidBadge('04A1B2C3'));
    service.set('Reader B', new VirtualUidBadge('04D4E5F6'));
    const clock = new SleepyClock();
    const { source, log } = await started(service, { resume: clock.options });
    await log.waitFor(
      () => log.events.filter((e) => e.type === 'badge-presented').length === 2,
      'both badges',
      2000,
      0,
    );
    // The machine goes to sleep in the middle of a watch; badge A is taken away meanwhile.
    service.frozen = true;
    await new Promise((resolve) => setImmediate(resolve));
    service.set('Reader A', null);
    // A tick on time is no sleep: the stale watch is left alone.
    clock.tick(5000);
    expect(service.cancels).toBe(0);
    // It wakes up: the next tick comes an hour later by the wall clock.
    service.frozen = false;
    const since = log.events.length;
    clock.tick(3_600_000);
    expect(service.cancels).toBe(1);
    expect(await log.waitFor((e) => e.type === 'badge-removed', 'the removal', 2000, since)).toEqual({
      type: 'badge-removed',
      badgeId: '04A1B2C3',
      readerName: 'Reader A',
    });
    // Badge B, on its reader all along, is not a new tap; the readers stay as they were.
    service.set('Reader B', new VirtualUidBadge('04D4E5F6'), 0);
    service.set('Reader C', new VirtualUidBadge('04778899'));
    await log.waitFor(presented('04778899'), 'a later tap on a new reader', 2000, since);
    expect(
      log.events.slice(since).filter((e) => e.type === 'badge-presented' || e.type === 'badge-removed'),
    ).toEqual([
      { type: 'badge-removed', badgeId: '04A1B2C3', readerName: 'Reader A' },
      expect.objectContaining({
        type: 'badge-presented',
        badge: expect.objectContaining({ badgeId: '04778899' }),
      }),
    ]);
    expect(source.readers().map((r) => [r.name, r.cardPresent])).toEqual([
      ['Reader A', false],
      ['Reader B', true],
      ['Reader C', true],
    ]);
    await source.stop();
    expect(clock.running).toBe(0);
  });

  it('presents a badge put down while the machine slept, and one swapped for another', async () => {
    const service = new FakeService();
    service.set('Reader A', new VirtualUidBadge('04A1B2C3'));
    service.set('Reader B', null);
    const clock = new SleepyClock();
    const { source, log } = await started(service, { resume: clock.options });
    await log.waitFor(presented('04A1B2C3'), 'the first badge', 2000, 0);
    service.frozen = true;
    await new Promise((resolve) => setImmediate(resolve));
    service.set('Reader A', new VirtualUidBadge('04010203'), 2);
    service.set('Reader B', new VirtualUidBadge('04D4E5F6'));
    service.frozen = false;
    const since = log.events.length;
    clock.tick(8 * 3_600_000);
    await log.waitFor(
      () => log.events.slice(since).filter((e) => e.type === 'badge-presented').length === 2,
      'both badges found on waking',
      2000,
      since,
    );
    const seen = log.events
      .slice(since)
      .flatMap((e) =>
        e.type === 'badge-presented'
          ? [`+${e.badge.badgeId}@${e.badge.readerName}`]
          : e.type === 'badge-removed'
            ? [`-${e.badgeId}@${e.readerName}`]
            : [],
      );
    expect([...seen].sort()).toEqual(['+04010203@Reader A', '+04D4E5F6@Reader B', '-04A1B2C3@Reader A']);
    expect(seen.indexOf('-04A1B2C3@Reader A')).toBeLessThan(seen.indexOf('+04010203@Reader A'));
    await source.stop();
  });
});
