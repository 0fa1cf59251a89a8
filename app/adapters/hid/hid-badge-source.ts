/**
 * Badges from HID readers (RFIDeas pcProx and the like) through node-hid. Devices are chosen by
 * USB vendor:product (policy `hidReaders`); a decoder per model turns a raw input report into
 * a UID. A reader in keyboard-wedge mode is refused: it would type the badge's UID into
 * whatever window has the focus (a patient record, a chat), so Relève never relies on it.
 * Unplugged readers are picked up again by polling the device list.
 */
import HID from 'node-hid';
import { toHex } from '../../core/badge.js';
import type { BadgeSource, BadgeSourceEvent, DiagnosticLog, ReaderInfo } from '../../core/ports/index.js';

export interface HidDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly product?: string | undefined;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
  readonly interface: number;
}

export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

/** The part of node-hid this source uses; unit tests pass a fake (there is no /dev/uhid here). */
export interface HidBinding {
  devices(): HidDeviceInfo[];
  open(path: string): HidDeviceHandle;
}

/** Turns one raw input report into a badge UID (upper-case hex), or null for "no badge". */
export type ReportDecoder = (report: Uint8Array) => string | null;

/**
 * pcProx-style report, as RFIDeas readers send it in HID (SDK) mode: byte 0 is the number of
 * valid bits of card data, bytes 1… the data, least significant byte first. A report of zero
 * bits means "no card". The UID is the data bytes that hold those bits, most significant first.
 */
export const decodePcProxReport: ReportDecoder = (report) => {
  const bits = report[0] ?? 0;
  if (bits === 0) return null;
  const bytes = Math.ceil(bits / 8);
  if (bytes > report.length - 1) return null;
  return toHex(Uint8Array.from(report.subarray(1, 1 + bytes)).reverse());
};

/** Decoders built in, by USB vendor:product (lower-case hex). */
export const REPORT_DECODERS: Readonly<Record<string, ReportDecoder>> = {
  '0c27:3bfa': decodePcProxReport, // RFIDeas pcProx Plus (HID mode)
};

/**
 * Which decoder reads which model's reports: the built-in ones, plus any a deployment registers
 * (a new reader model is a decoder and a line here, not a change to the source). A model with
 * no decoder of its own is read as pcProx-style.
 */
export class ReportDecoderRegistry {
  private readonly decoders = new Map<string, ReportDecoder>(Object.entries(REPORT_DECODERS));

  /** `model` is "vvvv:pppp" (hex, any case). */
  register(model: string, decoder: ReportDecoder): this {
    this.decoders.set(model.toLowerCase(), decoder);
    return this;
  }

  decoderFor(model: string): ReportDecoder {
    return this.decoders.get(model.toLowerCase()) ?? decodePcProxReport;
  }
}

const KEYBOARD_USAGE_PAGE = 0x01;
const KEYBOARD_USAGE = 0x06;

const idOf = (vendorId: number, productId: number): string =>
  `${vendorId.toString(16).padStart(4, '0')}:${productId.toString(16).padStart(4, '0')}`;

/**
 * A badge ID the agent takes: upper-case hex, whole bytes, at most 32 of them (the session
 * refuses longer ones, so a tap with one would be lost without a word).
 */
const BADGE_ID = /^(?:[0-9A-F]{2}){1,32}$/;

/**
 * The reader's name from its USB product string, which the device itself supplies: control
 * characters dropped, spaces collapsed, bounded (a reader name is shown and logged).
 */
function readerNameOf(product: string | undefined, id: string): string {
  const cleaned = (product ?? '')
    // eslint-disable-next-line no-control-regex -- the point is to drop control characters
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `${cleaned.slice(0, 100).trim() || 'HID reader'} (${id})`;
}

export interface HidBadgeSourceOptions {
  /** Policy `hidReaders`: "vvvv:pppp". */
  readonly readers: readonly string[];
  readonly log: DiagnosticLog;
  readonly binding?: HidBinding;
  /** How often the device list is polled for readers plugged in or out. */
  readonly pollMs?: number;
  readonly decoders?: ReportDecoderRegistry;
  /**
   * Readers repeat their report while a badge stays in the field: the same UID again on the same
   * reader within this window is the same tap. Default 1500 ms.
   */
  readonly repeatWindowMs?: number;
  /** Milliseconds now; tests pass a fake. */
  readonly now?: () => number;
}

const nodeHidBinding: HidBinding = {
  devices: () => HID.devices(),
  open: (path) => new HID.HID(path),
};

export class HidBadgeSource implements BadgeSource {
  private listener: ((event: BadgeSourceEvent) => void) | null = null;
  private readonly open = new Map<string, { handle: HidDeviceHandle; name: string }>();
  /** Per reader, the last UID it reported and when. */
  private readonly lastReport = new Map<string, { uid: string; at: number }>();
  private readonly refused = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: HidBadgeSourceOptions) {}

  async start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    this.listener = listener;
    if (this.options.readers.length === 0) return;
    this.rescan();
    this.timer = setInterval(() => this.rescan(), this.options.pollMs ?? 2000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const { handle } of this.open.values()) {
      try {
        handle.close();
      } catch {
        // already gone
      }
    }
    this.open.clear();
    this.lastReport.clear();
    this.listener = null;
  }

  readers(): readonly ReaderInfo[] {
    return [...this.open.values()].map(({ name }) => ({ name, kind: 'hid' as const, cardPresent: false }));
  }

  private emit(event: BadgeSourceEvent): void {
    this.listener?.(event);
  }

  private forget(path: string): void {
    const entry = this.open.get(path);
    if (!entry) return;
    this.open.delete(path);
    this.lastReport.delete(entry.name);
    try {
      entry.handle.close();
    } catch {
      // already gone
    }
    this.emit({ type: 'reader-lost', readerName: entry.name });
  }

  /**
   * Looks at the device list now: opens configured readers that appeared, forgets those that
   * vanished. Runs on a timer; an OS device-arrival notification may call it too.
   */
  rescan(): void {
    if (!this.listener) return;
    let devices: HidDeviceInfo[];
    try {
      devices = (this.options.binding ?? nodeHidBinding).devices();
    } catch (error) {
      this.emit({
        type: 'source-status',
        available: false,
        detail: `HID devices cannot be listed: ${String(error)}`,
      });
      return;
    }
    const wanted = new Set(this.options.readers.map((r) => r.toLowerCase()));
    // Unplugged without an error from the device (no read was pending): forget it too.
    const present = new Set(devices.map((d) => d.path).filter(Boolean));
    for (const path of [...this.open.keys()]) if (!present.has(path)) this.forget(path);
    const byModel = new Map<string, HidDeviceInfo[]>();
    for (const device of devices) {
      const id = idOf(device.vendorId, device.productId);
      if (!wanted.has(id)) continue;
      byModel.set(id, [...(byModel.get(id) ?? []), device]);
    }
    for (const [id, interfaces] of byModel) {
      const usable = interfaces.filter(
        (d) => !(d.usagePage === KEYBOARD_USAGE_PAGE && d.usage === KEYBOARD_USAGE) && d.path,
      );
      if (usable.length === 0) {
        if (!this.refused.has(id)) {
          this.refused.add(id);
          this.emit({
            type: 'source-status',
            available: false,
            detail: `HID reader ${id} is in keyboard-wedge mode and is refused: it would type badge numbers into whatever window has the focus. Switch it to HID (SDK) mode with the vendor's configuration tool.`,
          });
        }
        continue;
      }
      this.refused.delete(id);
      const device = usable[0]!;
      const path = device.path!;
      if (this.open.has(path)) continue;
      this.openDevice(id, device, path);
    }
  }

  private openDevice(id: string, device: HidDeviceInfo, path: string): void {
    const name = readerNameOf(device.product, id);
    let handle: HidDeviceHandle;
    try {
      handle = (this.options.binding ?? nodeHidBinding).open(path);
    } catch (error) {
      this.options.log.warn('HID reader cannot be opened', { reader: name, error: String(error) });
      return;
    }
    this.open.set(path, { handle, name });
    this.emit({ type: 'reader-added', reader: { name, kind: 'hid', cardPresent: false } });
    const decode = (this.options.decoders ?? new ReportDecoderRegistry()).decoderFor(id);
    handle.on('data', (report) => {
      let uid: string | null;
      try {
        uid = decode(Uint8Array.from(report));
      } catch (error) {
        // A decoder that chokes on a report must not take the source down.
        this.options.log.warn('HID report not decoded', { reader: name, error: String(error) });
        return;
      }
      if (!uid) return;
      if (!BADGE_ID.test(uid)) {
        // A decoder that does not fit this reader's reports: said once per report, never a badge.
        this.options.log.warn('HID report decoded to no valid badge ID', {
          reader: name,
          length: uid.length,
        });
        this.emit({
          type: 'source-status',
          available: true,
          detail: `badge not read on ${name}: its report does not decode to a badge ID (whole bytes of upper-case hex, at most 32 bytes); check the reader's mode and decoder`,
        });
        return;
      }
      const now = (this.options.now ?? Date.now)();
      const last = this.lastReport.get(name);
      this.lastReport.set(name, { uid, at: now });
      if (last?.uid === uid && now - last.at < (this.options.repeatWindowMs ?? 1500)) return;
      // A HID tap has no lasting presence: presented, then gone.
      this.emit({
        type: 'badge-presented',
        badge: { badgeId: uid, kind: 'hid', readerName: name, contact: false },
      });
      this.emit({ type: 'badge-removed', badgeId: uid, readerName: name });
    });
    handle.on('error', () => {
      // Unplugged: forget it; the next scan opens it again when it is back.
      if (this.open.get(path)?.handle === handle) this.forget(path);
    });
  }
}
