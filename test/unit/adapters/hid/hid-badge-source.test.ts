/**
 * The HID badge source against a fake node-hid (there is no /dev/uhid on these machines): what
 * a pcProx-style reader's reports become, keyboard-wedge refused, unplug and replug.
 */
import { describe, expect, it } from '@jest/globals';
import {
  decodePcProxReport,
  HidBadgeSource,
  ReportDecoderRegistry,
} from '../../../../app/adapters/hid/hid-badge-source.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import type { BadgeSourceEvent } from '../../../../app/core/ports/index.js';
import { FakeHid, pcProx } from '../../../harness/sim/fake-hid.js';

async function start(
  hid: FakeHid,
  options: Partial<ConstructorParameters<typeof HidBadgeSource>[0]> = {},
): Promise<{ events: BadgeSourceEvent[]; source: HidBadgeSource }> {
  const events: BadgeSourceEvent[] = [];
  const source = new HidBadgeSource({
    readers: ['0C27:3BFA'],
    log: silentLog,
    binding: hid,
    pollMs: 60_000,
    ...options,
  });
  await source.start((e) => events.push(e));
  return { events, source };
}

describe('HID badge source', () => {
  it('decodes a pcProx report into the badge UID, most significant byte first', () => {
    expect(decodePcProxReport(Uint8Array.from([26, 0x5e, 0x2b, 0x1a, 0x02, 0, 0, 0]))).toBe('021A2B5E');
    expect(decodePcProxReport(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(decodePcProxReport(Uint8Array.from([200, 1, 2]))).toBeNull();
  });

  it('opens the configured reader and turns each tap into a presented-then-removed badge', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx(), { ...pcProx(), vendorId: 0x1234, path: '/dev/hidraw9' }];
    const { events, source } = await start(hid);
    expect(events).toEqual([
      { type: 'reader-added', reader: { name: 'pcProx Plus (0c27:3bfa)', kind: 'hid', cardPresent: false } },
    ]);
    expect(hid.opened.has('/dev/hidraw9')).toBe(false);
    hid.opened.get('/dev/hidraw3')!.report([26, 0x5e, 0x2b, 0x1a, 0x02, 0, 0, 0]);
    expect(events.slice(1)).toEqual([
      {
        type: 'badge-presented',
        badge: { badgeId: '021A2B5E', kind: 'hid', readerName: 'pcProx Plus (0c27:3bfa)', contact: false },
      },
      { type: 'badge-removed', badgeId: '021A2B5E', readerName: 'pcProx Plus (0c27:3bfa)' },
    ]);
    await source.stop();
    expect(hid.opened.get('/dev/hidraw3')!.closed).toBe(true);
  });

  it('refuses a reader in keyboard-wedge mode, and says why and what to do', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx({ usagePage: 0x01, usage: 0x06 })];
    const { events } = await start(hid);
    expect(hid.opened.size).toBe(0);
    expect(events).toEqual([
      {
        type: 'source-status',
        available: false,
        detail: expect.stringMatching(/keyboard-wedge mode and is refused: it would type badge numbers/),
      },
    ]);
  });

  it('reports an unplugged reader and opens it again when it is back', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx()];
    const { events, source } = await start(hid);
    hid.opened.get('/dev/hidraw3')!.emit('error', new Error('could not read from HID device'));
    expect(events.at(-1)).toEqual({ type: 'reader-lost', readerName: 'pcProx Plus (0c27:3bfa)' });
    source.rescan();
    expect(events.at(-1)).toEqual({
      type: 'reader-added',
      reader: { name: 'pcProx Plus (0c27:3bfa)', kind: 'hid', cardPresent: false },
    });
    hid.opened.get('/dev/hidraw3')!.report([32, 0x44, 0x33, 0x22, 0x11, 0, 0, 0]);
    expect(events.at(-2)).toMatchObject({ type: 'badge-presented', badge: { badgeId: '11223344' } });
    await source.stop();
  });

  it('reports a reader that vanished from the device list without an error, and nothing after stop', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx()];
    const { events, source } = await start(hid);
    hid.list = [];
    source.rescan();
    expect(events.at(-1)).toEqual({ type: 'reader-lost', readerName: 'pcProx Plus (0c27:3bfa)' });
    expect(hid.opened.get('/dev/hidraw3')!.closed).toBe(true);
    expect(source.readers()).toEqual([]);
    hid.list = [pcProx()];
    source.rescan();
    expect(source.readers()).toHaveLength(1);
    await source.stop();
    const count = events.length;
    hid.opened.get('/dev/hidraw3')!.report([32, 0x44, 0x33, 0x22, 0x11]);
    hid.opened.get('/dev/hidraw3')!.emit('error', new Error('gone'));
    expect(events).toHaveLength(count);
  });

  it('counts a badge held in the field (the reader repeating its report) as one tap, and a later tap as another', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx()];
    let now = 10_000;
    const { events } = await start(hid, { now: () => now, repeatWindowMs: 1500 });
    const reader = hid.opened.get('/dev/hidraw3')!;
    const presentedCount = (): number => events.filter((e) => e.type === 'badge-presented').length;
    reader.report([32, 0x44, 0x33, 0x22, 0x11]);
    for (let i = 0; i < 5; i += 1) {
      now += 250;
      reader.report([32, 0x44, 0x33, 0x22, 0x11]);
    }
    expect(presentedCount()).toBe(1);
    now += 2000;
    reader.report([32, 0x44, 0x33, 0x22, 0x11]);
    expect(presentedCount()).toBe(2);
    // Another badge at once is another tap.
    now += 100;
    reader.report([32, 0x88, 0x77, 0x66, 0x55]);
    expect(presentedCount()).toBe(3);
  });

  it('reads each model with the decoder registered for it, and survives a decoder that throws', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx({ vendorId: 0x1234, productId: 0x0001, path: '/dev/hidraw5', product: 'Other' })];
    // This model sends ASCII hex, terminated by a zero byte.
    const asciiHex = (report: Uint8Array): string | null => {
      const end = report.indexOf(0);
      const text = Buffer.from(report.subarray(0, end < 0 ? report.length : end)).toString('ascii');
      if (text === 'boom') throw new Error('unexpected report');
      return /^[0-9A-F]{8,20}$/.test(text) ? text : null;
    };
    const { events } = await start(hid, {
      readers: ['1234:0001'],
      decoders: new ReportDecoderRegistry().register('1234:0001', asciiHex),
    });
    const reader = hid.opened.get('/dev/hidraw5')!;
    reader.report([...Buffer.from('boom'), 0]);
    reader.report([...Buffer.from('04A1B2C3D4E5F6'), 0]);
    expect(events.filter((e) => e.type === 'badge-presented')).toEqual([
      {
        type: 'badge-presented',
        badge: { badgeId: '04A1B2C3D4E5F6', kind: 'hid', readerName: 'Other (1234:0001)', contact: false },
      },
    ]);
  });

  it('says so, and presents nothing, when a report decodes to no valid badge ID', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx({ vendorId: 0x1234, productId: 0x0002, path: '/dev/hidraw6', product: 'Odd' })];
    // A decoder that does not fit the reader's reports: lower case, odd digits, not hex, too long.
    const outputs = ['04a1b2c3', '4A1B2C3', 'BADGE-42', 'AB'.repeat(33), '04A1B2C3'];
    let next = 0;
    const { events } = await start(hid, {
      readers: ['1234:0002'],
      decoders: new ReportDecoderRegistry().register('1234:0002', () => outputs[next++] ?? null),
    });
    const reader = hid.opened.get('/dev/hidraw6')!;
    for (let i = 0; i < outputs.length; i += 1) reader.report([0x01]);
    const statuses = events.filter((e) => e.type === 'source-status');
    expect(statuses).toHaveLength(4);
    for (const status of statuses)
      expect(status).toEqual({
        type: 'source-status',
        available: true,
        detail: expect.stringContaining(
          'badge not read on Odd (1234:0002): its report does not decode to a badge ID',
        ),
      });
    // Only the well-formed one is a tap.
    expect(events.filter((e) => e.type === 'badge-presented')).toEqual([
      {
        type: 'badge-presented',
        badge: { badgeId: '04A1B2C3', kind: 'hid', readerName: 'Odd (1234:0002)', contact: false },
      },
    ]);
  });

  it('names a reader by a clean, bounded product string, whatever the device reports', async () => {
    const hid = new FakeHid();
    hid.list = [pcProx({ product: `pcProx\u0000\u001b[31m Plus\n${'x'.repeat(300)}` })];
    const { source } = await start(hid);
    const [reader] = source.readers();
    expect(reader?.name).toMatch(/^pcProx \[31m Plus x+ \(0c27:3bfa\)$/);
    expect(reader!.name.length).toBeLessThanOrEqual(100 + ' (0c27:3bfa)'.length);
    hid.list = [pcProx({ path: '/dev/hidraw4', product: '\u0007\u0007' })];
    source.rescan();
    expect(source.readers().map((r) => r.name)).toEqual(['HID reader (0c27:3bfa)']);
  });
});
