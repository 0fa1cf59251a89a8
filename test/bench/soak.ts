/**
 * The soak: many taps through the real PC/SC chain (virtual badges on the vpcd reader, a real
 * pcscd, the production badge source), with badges pulled in the middle of their read and pcscd
 * restarts interleaved. Reports taps made against taps seen (the target is none lost) and the
 * card-connect → badge-presented latency.
 *   tsx test/bench/soak.ts [--taps N] [--pulls N] [--restarts N] [--json]
 * pcscd polls the vpcd reader every ~0.4 s for arrivals and removals, so a tap costs ~1 s of
 * wall time here: 10,000 taps take hours; the default is a short run.
 */
import { parseArgs } from 'node:util';
import { PcscBadgeSource } from '../../app/adapters/pcsc/pcsc-badge-source.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { distribution } from '../../app/agent/bench/stats.js';
import type { BadgeSourceEvent } from '../../app/core/ports/index.js';
import { startPcscd } from '../harness/pcscd.js';
import { VirtualUidBadge, VpcdConnection } from '../harness/vcard/index.js';
import { EventLog } from '../harness/wait.js';

export interface SoakResult {
  readonly tapsMade: number;
  readonly tapsSeen: number;
  readonly lost: number;
  readonly pulledMidRead: number;
  readonly pcscdRestarts: number;
  readonly connectToEventMs: { p50: number; p95: number; max: number };
}

export async function soak(
  taps: number,
  pulls: number,
  restarts: number,
  progress: (line: string) => void = () => undefined,
): Promise<SoakResult> {
  const pcscd = await startPcscd();
  const log = new EventLog<BadgeSourceEvent>();
  const source = new PcscBadgeSource({ log: silentLog });
  await source.start(log.push);
  await log.waitFor((e) => e.type === 'reader-added', 'the reader', 15_000, 0);
  const pullAt = new Set(
    Array.from({ length: pulls }, (_, i) => Math.floor(((i + 0.5) * taps) / Math.max(1, pulls))),
  );
  const restartAt = new Set(
    Array.from({ length: restarts }, (_, i) => Math.floor(((i + 0.3) * taps) / Math.max(1, restarts))),
  );
  const latencies: number[] = [];
  let made = 0;
  let seen = 0;
  let pulled = 0;
  let restarted = 0;
  try {
    for (let i = 0; i < taps; i += 1) {
      if (restartAt.has(i)) {
        await pcscd.restart();
        restarted += 1;
        await log.waitFor(
          (e) => e.type === 'source-status' && e.available,
          'recovery',
          20_000,
          log.events.length - 1,
        );
      }
      const uid = (0x04000000 + i).toString(16).toUpperCase().padStart(8, '0');
      const badge = new VpcdConnection(new VirtualUidBadge(uid));
      if (pullAt.has(i)) {
        // Pulled in the middle of its read: not a tap made; the source must say so and recover.
        badge.pullOnNextApdu();
        await badge.insert();
        pulled += 1;
        await new Promise((resolve) => setTimeout(resolve, 1200));
        await badge.remove();
        await new Promise((resolve) => setTimeout(resolve, 600));
        continue;
      }
      const since = log.events.length;
      await badge.insert();
      const connected = performance.now();
      made += 1;
      try {
        await log.waitFor(
          (e) => e.type === 'badge-presented' && e.badge.badgeId === uid,
          `tap ${uid}`,
          5_000,
          since,
        );
        latencies.push(performance.now() - connected);
        seen += 1;
      } catch {
        progress(`lost: tap ${i} (${uid})`);
      }
      await badge.remove();
      await log
        .waitFor((e) => e.type === 'badge-removed' && e.badgeId === uid, `removal ${uid}`, 5_000, since)
        .catch(() => undefined);
      if ((i + 1) % 50 === 0) progress(`${i + 1}/${taps} taps, ${made - seen} lost`);
    }
  } finally {
    await source.stop();
    await pcscd.stop();
  }
  const d = distribution(latencies);
  return {
    tapsMade: made,
    tapsSeen: seen,
    lost: made - seen,
    pulledMidRead: pulled,
    pcscdRestarts: restarted,
    connectToEventMs: { p50: d.p50, p95: d.p95, max: d.max },
  };
}

if (process.argv[1]?.endsWith('soak.ts')) {
  const { values } = parseArgs({
    options: {
      taps: { type: 'string', default: '200' },
      pulls: { type: 'string', default: '4' },
      restarts: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const result = await soak(Number(values.taps), Number(values.pulls), Number(values.restarts), (line) =>
    console.error(line),
  );
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `soak: ${result.tapsMade} taps made, ${result.tapsSeen} seen, ${result.lost} lost; ${result.pulledMidRead} badges pulled mid-read, ${result.pcscdRestarts} pcscd restarts; card connect → badge event p50 ${result.connectToEventMs.p50.toFixed(1)} ms, p95 ${result.connectToEventMs.p95.toFixed(1)} ms`,
    );
  }
  process.exitCode = result.lost === 0 ? 0 : 1;
}
