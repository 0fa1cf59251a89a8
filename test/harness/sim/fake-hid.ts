/**
 * A fake node-hid for the HID badge source (there is no /dev/uhid or /dev/uinput on these
 * machines, so no kernel-level virtual HID device): a device list the test edits, and devices
 * that send the reports a pcProx-style reader sends. Never packaged.
 */
import { EventEmitter } from 'node:events';
import type {
  HidBinding,
  HidDeviceHandle,
  HidDeviceInfo,
} from '../../../app/adapters/hid/hid-badge-source.js';

export class FakeHidDevice extends EventEmitter implements HidDeviceHandle {
  closed = false;
  close(): void {
    this.closed = true;
  }
  /** A report from the reader: bit count, then the data least significant byte first. */
  report(bytes: number[]): void {
    this.emit('data', Buffer.from(bytes));
  }
  /** A pcProx report of a badge UID (upper-case hex, most significant byte first). */
  tap(uid: string): void {
    const bytes = [...Buffer.from(uid, 'hex')].reverse();
    this.report([bytes.length * 8, ...bytes, 0, 0]);
  }
}

export class FakeHid implements HidBinding {
  list: HidDeviceInfo[] = [];
  readonly opened = new Map<string, FakeHidDevice>();
  devices(): HidDeviceInfo[] {
    return this.list;
  }
  open(path: string): HidDeviceHandle {
    const device = new FakeHidDevice();
    this.opened.set(path, device);
    return device;
  }
}

/** An RFIDeas pcProx Plus in HID (SDK) mode, as node-hid lists it. */
export const pcProx = (overrides: Partial<HidDeviceInfo> = {}): HidDeviceInfo => ({
  vendorId: 0x0c27,
  productId: 0x3bfa,
  path: '/dev/hidraw3',
  product: 'pcProx Plus',
  usagePage: 0xff00,
  usage: 0x01,
  interface: 0,
  ...overrides,
});
