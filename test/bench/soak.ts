/**
 * The soak: many taps through the real PC/SC chain (virtual badges on vpcd readers, a real
 * pcscd, the production badge source), with reader re-plugs and pcscd restarts interleaved.
 * Reports taps made against taps seen (the target is none lost, none seen twice) and the
 * card-connect → badge-presented latency: from the virtual card's connection to vpcd (the
 * badge put down) to the badge-presented event reaching the listener the agent gives the source.
 *   tsx test/bench/soak.ts [--taps N] [--replugs N] [--restarts N] [--readers N] [--json] [--out FILE] [--take-over]
 *
 * pcscd polls each vpcd reader every ~0.4 s for arrivals and removals, so one tap on one slot
 * (put down, seen, taken away, its removal seen) costs ~0.85 s of wall time whatever the agent
 * does. The soak taps on every slot at once: --readers vpcd entries, two slots each; default 8,
 * so 16 slots, the most pcscd serves. 10,000 taps then take about nine minutes of tapping.
 * A re-plug takes one vpcd reader out of pcscd and puts it back (pcscd reads serial readers only
 * at start, so each half restarts pcscd); a restart stops pcscd with SIGTERM, or SIGKILL every
 * other time (a crash). Each costs ~0.3 s (pcscd back, the source reconnected). Taps pause
 * during either, as no badge can be read while the service is down; a badge left on a reader
 * meanwhile is a separate test. The result says where the disruptions' time went.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { PcscBadgeSource } from '../../app/adapters/pcsc/pcsc-badge-source.js';
import { distribution } from './stats.js';
import type { BadgeSourceEvent } from '../../app/core/ports/index.js';
import { startPcscd, type RunningPcscd, type VpcdSlot } from '../harness/pcscd.js';
import { VirtualUidBadge, VpcdConnection } from '../harness/vcard/index.js';

export interface SoakOptions {
  readonly taps: number;
  readonly replugs: number;
  readonly restarts: number;
  /** vpcd reader entries (two slots each). */
  readonly readers?: number;
  /** Replace a pcscd started elsewhere (the soak restarts it). */
  readonly takeOver?: boolean;
  /** How long one tap may take to be seen before it counts as lost. */
  readonly tapTimeoutMs?: number;
}

export interface SoakResult {
  readonly tapsMade: number;
  readonly tapsSeen: number;
  readonly lost: number;
  /** Taps reported more than once (each is a defect too). */
  readonly duplicates: number;
  /** Removals reported, against taps seen. */
  readonly removalsSeen: number;
  readonly replugs: number;
  readonly pcscdRestarts: number;
  readonly slots: number;
  readonly durationS: number;
  readonly connectToEventMs: { p50: number; p95: number; max: number };
  /**
   * Where the disruptions' time went: stopping and starting pcscd (the harness), and the source
   * seeing the readers go and come back (its reconnection backoff included).
   */
  readonly disruptionS: { readonly pcscd: number; readonly sourceRecovery: number };
  /** The UIDs of lost taps (at most 20). */
  readonly lostTaps: readonly string[];
}

/** Events with the time they reached the listener. */
class TimedLog {
  readonly presentedAt = new Map<string, number>();
  readonly presentedCount = new Map<string, number>();
  readonly removed = new Set<string>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  lastStatus: { available: boolean; at: number } | null = null;

  push = (event: BadgeSourceEvent): void => {
    const now = performance.now();
    if (event.type === 'badge-presented') {
      const id = event.badge.badgeId;
      if (!this.presentedAt.has(id)) this.presentedAt.set(id, now);
      this.presentedCount.set(id, (this.presentedCount.get(id) ?? 0) + 1);
    } else if (event.type === 'badge-removed') {
      this.removed.add(event.badgeId);
    } else if (event.type === 'source-status' && !/badge/.test(event.detail)) {
      this.lastStatus = { available: event.available, at: now };
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves true once `check` holds, false after `timeoutMs`. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

const uidOf = (tap: number): string => `04${tap.toString(16).toUpperCase().padStart(12, '0')}`;

/** When, in the run, each disruption happens: spread evenly, never at the very start. */
function schedule(taps: number, replugs: number, restarts: number): Map<number, ('replug' | 'restart')[]> {
  const at = new Map<number, ('replug' | 'restart')[]>();
  const place = (count: number, kind: 'replug' | 'restart', offset: number): void => {
    for (let i = 0; i < count; i += 1) {
      const tap = Math.max(1, Math.min(taps - 1, Math.floor(((i + offset) * taps) / count)));
      at.set(tap, [...(at.get(tap) ?? []), kind]);
    }
  };
  place(replugs, 'replug', 0.5);
  place(restarts, 'restart', 0.25);
  return at;
}

export async function soak(
  tapsOrOptions: number | SoakOptions,
  replugsArg = 100,
  restartsArg = 20,
  progress: (line: string) => void = () => undefined,
): Promise<SoakResult> {
  const options: SoakOptions =
    typeof tapsOrOptions === 'number'
      ? { taps: tapsOrOptions, replugs: replugsArg, restarts: restartsArg }
      : tapsOrOptions;
  const { taps, replugs, restarts } = options;
  const readerEntries = Math.min(8, Math.max(1, options.readers ?? 8));
  const tapTimeoutMs = options.tapTimeoutMs ?? 5000;
  const pcscd: RunningPcscd = await startPcscd({
    readers: readerEntries,
    ...(options.takeOver ? { takeOver: true } : {}),
  });
  if (!pcscd.ours && (replugs > 0 || restarts > 0)) {
    await pcscd.stop();
    throw new Error(
      'the soak restarts pcscd, and one started elsewhere is running: stop it, or pass --take-over',
    );
  }
  const slots = pcscd.slots;
  const log = new TimedLog();
  const source = new PcscBadgeSource({ log: silentLog });
  const started = performance.now();
  const latencies: number[] = [];
  const lostTaps: string[] = [];
  let made = 0;
  let replugged = 0;
  let restarted = 0;
  /** Time spent stopping and starting pcscd, and waiting for the source to see the readers go and come back. */
  let pcscdMs = 0;
  let recoveryMs = 0;

  const readersReady = (): Promise<boolean> =>
    log.until(() => {
      const known = new Set(source.readers().map((r) => r.name));
      return slots.every((slot) => known.has(slot.readerName)) && log.lastStatus?.available !== false;
    }, 20_000);

  /** One person's tap on one slot: the badge comes, is seen, goes, its removal is seen. */
  async function tap(slot: VpcdSlot, index: number): Promise<void> {
    const uid = uidOf(index);
    const badge = new VpcdConnection(new VirtualUidBadge(uid), { port: slot.port });
    await badge.insert();
    const connected = performance.now();
    made += 1;
    if (await log.until(() => log.presentedAt.has(uid), tapTimeoutMs)) {
      latencies.push(log.presentedAt.get(uid)! - connected);
    } else if (lostTaps.length < 20) {
      lostTaps.push(uid);
    }
    await badge.remove();
    // The next badge on this slot must not arrive within the same pcscd poll as this removal.
    await log.until(() => log.removed.has(uid), tapTimeoutMs);
  }

  /** Runs one pcscd operation, counting its time. */
  async function timed(operation: Promise<void>): Promise<void> {
    const began = performance.now();
    await operation;
    pcscdMs += performance.now() - began;
  }

  async function disrupt(kind: 'replug' | 'restart'): Promise<void> {
    const began = performance.now();
    const before = pcscdMs;
    if (kind === 'restart') {
      await timed(pcscd.restart(restarted % 2 === 0 ? 'SIGTERM' : 'SIGKILL'));
      restarted += 1;
    } else {
      const entry = replugged % readerEntries;
      await timed(pcscd.unplug(entry));
      // The source must see the reader go before it comes back, or the re-plug tested nothing.
      const gone = slots.slice(entry * 2, entry * 2 + 2);
      await log.until(() => !source.readers().some((r) => gone.some((s) => s.readerName === r.name)), 20_000);
      await timed(pcscd.replug(entry));
      replugged += 1;
    }
    if (!(await readersReady())) progress(`the readers did not all come back after a ${kind}`);
    recoveryMs += performance.now() - began - (pcscdMs - before);
  }

  try {
    await source.start(log.push);
    if (!(await readersReady())) throw new Error('the vpcd readers did not appear within 20 s');
    const disruptions = schedule(taps, replugs, restarts);
    const stops = [...disruptions.keys()].sort((a, b) => a - b);
    let next = 0;
    for (const stop of [...stops, taps]) {
      // Taps next … stop-1 spread over every slot, then the disruptions due at `stop`.
      const end = Math.min(stop, taps);
      await Promise.all(
        slots.map(async (slot) => {
          while (next < end) {
            const index = next;
            next += 1;
            await tap(slot, index);
          }
        }),
      );
      for (const kind of disruptions.get(stop) ?? []) await disrupt(kind);
      progress(
        `${next}/${taps} taps, ${made - latencies.length} lost, ${replugged} re-plugs, ${restarted} restarts`,
      );
    }
  } finally {
    await source.stop();
    await pcscd.stop();
  }
  const d = distribution(latencies);
  return {
    tapsMade: made,
    tapsSeen: latencies.length,
    lost: made - latencies.length,
    duplicates: [...log.presentedCount.values()].filter((count) => count > 1).length,
    removalsSeen: log.removed.size,
    replugs: replugged,
    pcscdRestarts: restarted,
    slots: slots.length,
    durationS: Math.round((performance.now() - started) / 100) / 10,
    connectToEventMs: { p50: d.p50, p95: d.p95, max: d.max },
    disruptionS: { pcscd: Math.round(pcscdMs / 100) / 10, sourceRecovery: Math.round(recoveryMs / 100) / 10 },
    lostTaps,
  };
}

if (process.argv[1]?.endsWith('soak.ts')) {
  const { values } = parseArgs({
    options: {
      taps: { type: 'string', default: '10000' },
      replugs: { type: 'string', default: '100' },
      restarts: { type: 'string', default: '20' },
      readers: { type: 'string', default: '8' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'take-over': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const numbers = [values.taps, values.replugs, values.restarts, values.readers].map(Number);
  if (!numbers.every((n) => Number.isInteger(n) && n >= 0) || numbers[0] === 0 || numbers[3] === 0) {
    console.error('--taps and --readers take positive integers, --replugs and --restarts integers ≥ 0');
    process.exit(2);
  }
  const [taps, replugs, restarts, readers] = numbers as [number, number, number, number];
  try {
    const result = await soak(
      { taps, replugs, restarts, readers, takeOver: values['take-over'] },
      0,
      0,
      (line) => console.error(line),
    );
    if (values.out) {
      mkdirSync(dirname(values.out), { recursive: true });
      writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    }
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(
        [
          `soak: ${result.tapsMade} taps made, ${result.tapsSeen} seen, ${result.lost} lost, ${result.duplicates} seen twice`,
          `  ${result.replugs} reader re-plugs, ${result.pcscdRestarts} pcscd restarts, ${result.slots} vpcd slots, ${result.durationS} s`,
          `  ${result.removalsSeen} removals seen; disruptions: ${result.disruptionS.pcscd} s in pcscd stops and starts, ${result.disruptionS.sourceRecovery} s for the source to see the readers go and come back`,
          `  card connect → badge-presented: p50 ${result.connectToEventMs.p50.toFixed(1)} ms, p95 ${result.connectToEventMs.p95.toFixed(1)} ms, max ${result.connectToEventMs.max.toFixed(1)} ms`,
          ...(result.lostTaps.length ? [`  lost: ${result.lostTaps.join(', ')}`] : []),
        ].join('\n'),
      );
    }
    process.exitCode = result.lost === 0 && result.duplicates === 0 ? 0 : 1;
  } catch (error) {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
