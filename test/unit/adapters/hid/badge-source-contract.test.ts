/**
 * The BadgeSource contract, run against the HID source on a fake node-hid: a pcProx-style
 * reader whose taps are momentary (presented, then removed at once), unplugged and plugged back
 * through the device list as node-hid shows it.
 */
import { it } from '@jest/globals';
import { HidBadgeSource } from '../../../../app/adapters/hid/hid-badge-source.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import { badgeSourceContract } from '../../../harness/badge-source-contract.js';
import { FakeHid, pcProx } from '../../../harness/sim/fake-hid.js';

badgeSourceContract('HID source (fake node-hid, pcProx Plus in HID mode)', {
  async open() {
    const hid = new FakeHid();
    const reader = pcProx();
    hid.list = [reader];
    return {
      createSource: () =>
        new HidBadgeSource({ readers: ['0c27:3bfa'], log: silentLog, binding: hid, pollMs: 20 }),
      readerName: 'pcProx Plus (0c27:3bfa)',
      readerKind: 'hid',
      badgeKind: 'hid',
      presence: 'momentary',
      putDown: async (uid) => {
        // A reader the source no longer listens to (stopped, unplugged) reports to no one.
        const opened = hid.opened.get(reader.path!);
        if (opened && !opened.closed) opened.tap(uid);
      },
      takeAway: async () => undefined,
      unplug: async () => {
        hid.list = [];
        // node-hid reports an error on a device that is pulled out.
        const opened = hid.opened.get(reader.path!);
        if (opened && !opened.closed) opened.emit('error', new Error('could not read from HID device'));
      },
      replug: async () => {
        hid.list = [reader];
      },
      patienceMs: 2000,
      quietMs: 100,
      reset: async () => {
        hid.list = [reader];
        hid.opened.clear();
      },
    };
  },
});

it.todo(
  'BadgeSource contract: HID source on a physical pcProx reader — pending: no physical HID reader (and no /dev/uhid) on this machine, and a tap needs a person',
);
