/**
 * The audit part of `npm run bench`: how fast the chained store makes records durable, and how
 * long a queue of 100,000 records takes to drain to a real TLS syslog receiver (rsyslogd) once
 * it is back — each beside its floor, measured in the same run:
 * - a durable record: the same line appended and fdatasync-ed straight to a file;
 * - the drain: the same bytes (every octet-counted message) written straight to a TLS socket to
 *   the same receiver, on one connection, until its orderly close.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultCheckpointKey } from '../../app/adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../../app/adapters/audit/chained-store.js';
import { SiemForwarder } from '../../app/adapters/audit/siem-forwarder.js';
import {
  octetCounted,
  parseSiemUrl,
  sendConfirmed,
  syslogMessage,
  type SiemTarget,
} from '../../app/adapters/audit/syslog-tls.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { summarise, type MeasureResult } from './stats.js';
import type { AuditRecord } from '../../app/core/audit.js';
import { parseLink, serialiseLink, recordLink, EMPTY_CHAIN } from '../../app/core/audit-chain.js';
import { sha256Hex } from '../../app/adapters/audit/chain-crypto.js';
import { MemorySecretStore } from '../harness/sim/memory-stores.js';
import { rsyslogProblem, startRsyslog } from '../harness/syslog/rsyslog.js';

const record = (n: number): AuditRecord => ({
  id: `bench-${n}`,
  action: 'authentication',
  outcome: 'success',
  personId: 'claire.martin',
  displayName: 'Claire Martin',
  nationalId: '899700075122',
  workstation: 'POSTE-BENCH',
  badgeKind: 'rfid',
  badgeId: '04A1B2C3D4E5F6',
  method: 'badge-pin',
  reason: 'tap-in',
  time: new Date().toISOString(),
});

const newStore = (directory: string): ChainedAuditStore =>
  new ChainedAuditStore({
    directory,
    workstation: 'POSTE-BENCH',
    checkpointKey: new VaultCheckpointKey(new MemorySecretStore()),
    log: silentLog,
    retentionDays: 183,
  });

export interface AuditBench {
  readonly measures: MeasureResult[];
  readonly notMeasured: string[];
}

export const QUEUED = 100_000;

/** One record at a time through the store, and the same line straight to a file, alternately. */
async function durableRecord(
  root: string,
  count: number,
): Promise<{ samples: number[]; floor: number[]; perSecond: number }> {
  const store = newStore(join(root, 'durable'));
  const raw = await open(join(root, 'raw.jsonl'), 'a', 0o600);
  const line = Buffer.from(serialiseLink(recordLink(sha256Hex, EMPTY_CHAIN, record(0))));
  const samples: number[] = [];
  const floor: number[] = [];
  await store.append(record(0)); // opening and the first checkpoint are not a record's cost
  for (let n = 1; n <= count; n += 1) {
    let started = performance.now();
    await store.append(record(n));
    samples.push(performance.now() - started);
    started = performance.now();
    await raw.write(line);
    await raw.datasync();
    floor.push(performance.now() - started);
  }
  await raw.close();
  // Many appenders at once, as a storm of events would: one fdatasync per group.
  const burst = 10_000;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < burst; n += 1) pending.push(store.append(record(n)));
  await Promise.all(pending);
  const perSecond = burst / ((performance.now() - started) / 1000);
  await store.close();
  return { samples, floor, perSecond };
}

/** A trail holding `count` records, written fast (group commit), not timed. */
async function queuedTrail(directory: string, count: number): Promise<void> {
  const store = newStore(directory);
  for (let n = 0; n < count; n += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, count - n) }, (_, i) => store.append(record(n + i))),
    );
  }
  await store.close();
}

export async function measureAudit(runs: number, progress: (line: string) => void): Promise<AuditBench> {
  const root = mkdtempSync(join(tmpdir(), 'releve-bench-audit-'));
  const notMeasured: string[] = [];
  try {
    const durable = await durableRecord(root, Math.max(50, runs * 10));
    const measures: MeasureResult[] = [
      summarise({
        id: 'audit-record-durable',
        label: `one audit record made durable, hash-chained (${Math.round(durable.perSecond)} records/s with 10,000 appenders at once)`,
        target: 'reported beside its floor',
        samples: durable.samples,
        floorSamples: durable.floor,
        floorLabel: 'the same line appended and fdatasync-ed straight to a file',
        check: (_measured, floor) => floor !== null,
      }),
    ];
    progress('audit: durable records measured');
    const problem = rsyslogProblem();
    if (problem) {
      notMeasured.push(`audit: draining ${QUEUED} queued records to the SIEM: not measured: ${problem}`);
      return { measures, notMeasured };
    }
    const directory = join(root, 'queued');
    await queuedTrail(directory, QUEUED);
    const frames = readFileSync(join(directory, 'audit.jsonl'), 'utf8')
      .split('\n')
      .flatMap((line) => {
        const parsed = parseLink(line);
        return parsed.ok ? [octetCounted(syslogMessage(parsed.link))] : [];
      });
    const receiver = await startRsyslog();
    const target = parseSiemUrl(`tls://localhost:${receiver.port}`, receiver.caPem) as SiemTarget;
    const drain: number[] = [];
    const floor: number[] = [];
    try {
      const drainRuns = Math.min(3, runs);
      for (let run = 0; run < drainRuns; run += 1) {
        rmSync(join(directory, 'siem-cursor.json'), { force: true });
        const forwarder = new SiemForwarder({ directory, target, log: silentLog });
        let started = performance.now();
        await forwarder.flush();
        drain.push(performance.now() - started);
        await forwarder.stop();
        started = performance.now();
        await sendConfirmed(target, frames, 120_000);
        floor.push(performance.now() - started);
        progress(`audit: drain ${run + 1}/${drainRuns}`);
      }
    } finally {
      await receiver.stop();
    }
    measures.push(
      summarise({
        id: 'audit-drain-100k',
        label: `${QUEUED.toLocaleString('en')} queued audit records drained to the SIEM (rsyslogd, TLS, confirmed)`,
        target: 'reported beside its floor',
        samples: drain,
        floorSamples: floor,
        floorLabel: 'the same bytes written straight to a TLS socket to the same receiver, one connection',
        check: (_measured, floorDistribution) => floorDistribution !== null,
      }),
    );
    return { measures, notMeasured };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
