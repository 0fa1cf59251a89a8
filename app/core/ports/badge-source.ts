import type { BadgePresentation } from '../identity.js';

export interface ReaderInfo {
  /** Readers are known by name, never by index: indices shift when one is unplugged. */
  readonly name: string;
  readonly kind: 'pcsc' | 'hid' | 'simulated';
  readonly cardPresent: boolean;
}

export type BadgeSourceEvent =
  | { readonly type: 'badge-presented'; readonly badge: BadgePresentation }
  | { readonly type: 'badge-removed'; readonly badgeId: string; readonly readerName: string }
  | { readonly type: 'reader-added'; readonly reader: ReaderInfo }
  | { readonly type: 'reader-lost'; readonly readerName: string }
  /** The source itself is unavailable (no pcscd, no HID access) or back; start-up never waits for it. */
  | { readonly type: 'source-status'; readonly available: boolean; readonly detail: string };

/**
 * Where taps come from: PC/SC readers, HID readers, a simulation. Contract:
 * - `start` returns promptly even when no reader or no service is there; readers that appear
 *   later are reported with `reader-added`.
 * - Every physical tap is reported exactly once as `badge-presented` (a lost tap is a defect),
 *   and a removal as `badge-removed` with the same badge ID.
 * - After any recovery (service restart, replug, resume) the source re-synchronises and emits
 *   only the differences.
 * - `stop` releases every device; no event is emitted after it resolves.
 */
export interface BadgeSource {
  start(listener: (event: BadgeSourceEvent) => void): Promise<void>;
  stop(): Promise<void>;
  readers(): readonly ReaderInfo[];
}
