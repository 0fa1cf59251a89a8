/**
 * The audit trail forwarded to a real TLS syslog receiver (Debian's rsyslogd with rsyslog-gnutls,
 * started here on loopback with a CA of its own): every record arrives, intact and in order,
 * across a receiver killed mid-stream and a writer killed with records queued; a receiver whose
 * certificate the workstation does not trust gets nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkEd25519Signature,
  sha256Hex,
  VaultCheckpointKey,
} from '../../../app/adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../../../app/adapters/audit/chained-store.js';
import { CURSOR_FILE, SiemForwarder } from '../../../app/adapters/audit/siem-forwarder.js';
import { parseSiemUrl, SD_ID, type SiemTarget } from '../../../app/adapters/audit/syslog-tls.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import type { AuditRecord } from '../../../app/core/audit.js';
import { serialiseLink, verifyTrail, type ChainLink } from '../../../app/core/audit-chain.js';
import { createTlsMaterial } from '../../harness/pki.js';
import { MemorySecretStore } from '../../harness/sim/memory-stores.js';
import { rsyslogProblem, startRsyslog, type SyslogReceiver } from '../../harness/syslog/rsyslog.js';

const problem = rsyslogProblem();
const root = mkdtempSync(join(tmpdir(), 'releve-siem-'));
let dirs = 0;
const freshDir = (): string => join(root, `trail-${(dirs += 1)}`);

const record = (n: number): AuditRecord => ({
  id: `rec-${n}`,
  action: n % 5 === 0 ? 'session-locked' : 'authentication',
  outcome: n % 3 === 0 ? 'failure' : 'success',
  personId: 'claire.martin',
  displayName: 'Claire Martin « IDE » [bloc] "3"',
  nationalId: '899700075122',
  workstation: 'WS-12',
  badgeKind: 'rfid',
  badgeId: '04A1B2C3',
  method: 'badge-pin',
  reason: 'tap-in',
  time: new Date(Date.UTC(2026, 10, 23, 7, 0, n)).toISOString(),
});

async function writeTrail(directory: string, count: number): Promise<void> {
  const store = new ChainedAuditStore({
    directory,
    workstation: 'WS-12',
    checkpointKey: new VaultCheckpointKey(new MemorySecretStore()),
    log: silentLog,
    retentionDays: 183,
    checkpointEvery: 100,
  });
  for (let n = 1; n <= count; n += 1) await store.append(record(n));
  await store.close();
}

/** What the SIEM holds once de-duplicated by chain position: one trail, checked as `verify` would. */
function receivedTrail(receiver: SyslogReceiver): {
  positions: number[];
  verdict: ReturnType<typeof verifyTrail>;
} {
  const byPos = new Map<number, ChainLink>();
  const firstSeen: number[] = [];
  for (const link of receiver.links()) {
    if (!byPos.has(link.pos)) firstSeen.push(link.pos);
    byPos.set(link.pos, link);
  }
  const text = [...byPos.values()]
    .sort((a, b) => a.pos - b.pos)
    .map(serialiseLink)
    .join('');
  return {
    positions: firstSeen,
    verdict: verifyTrail([{ name: 'siem', text }], {
      sha256: sha256Hex,
      checkSignature: checkEd25519Signature,
    }),
  };
}

const trailLength = (directory: string): number =>
  readFileSync(join(directory, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).length;
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

(problem ? describe.skip : describe)('audit trail to a TLS syslog receiver (rsyslogd)', () => {
  let receiver: SyslogReceiver;
  let target: SiemTarget;

  beforeAll(async () => {
    receiver = await startRsyslog();
    target = parseSiemUrl(`tls://localhost:${receiver.port}`, receiver.caPem) as SiemTarget;
  });
  afterAll(async () => {
    await receiver?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('delivers every link as RFC 5424 with its position, ID and hashes, in order, verifiable on arrival', async () => {
    const directory = freshDir();
    await writeTrail(directory, 250);
    const before = receiver.messages().length;
    const forwarder = new SiemForwarder({ directory, target, log: silentLog, batchSize: 64 });
    await forwarder.flush();
    const total = trailLength(directory);
    await receiver.waitForMessages(before + total);
    const messages = receiver.messages().slice(before);
    expect(messages[1]).toMatch(
      new RegExp(
        `^<86>1 2026-11-23T07:00:01.000Z WS-12 releve - authentication \\[${SD_ID} pos="2" id="rec-1" outcome="success" hash="[0-9a-f]{64}" prev="[0-9a-f]{64}"\\] \\{"pos":2,`,
      ),
    );
    expect(messages.find((m) => m.includes('id="rec-3"'))).toMatch(/^<85>1 /); // a failure: notice
    expect(JSON.parse(readFileSync(join(directory, CURSOR_FILE), 'utf8'))).toEqual({ pos: total });
    await forwarder.stop();
  });

  it('loses nothing when the receiver is killed mid-stream and comes back', async () => {
    const directory = freshDir();
    await writeTrail(directory, 3000);
    const total = trailLength(directory);
    const killed = await startRsyslog();
    const to = parseSiemUrl(`tls://127.0.0.1:${killed.port}`, killed.caPem) as SiemTarget;
    try {
      const forwarder = new SiemForwarder({
        directory,
        target: to,
        log: silentLog,
        batchSize: 200,
        retryMs: 50,
        maxRetryMs: 200,
      });
      forwarder.notify();
      await killed.waitForMessages(300);
      await killed.kill();
      const atKill = killed.messages().length;
      expect(atKill).toBeLessThan(total);
      await killed.restart();
      await killed.waitForMessages(total, 60_000);
      await forwarder.flush();
      await forwarder.stop();
      const { positions, verdict } = receivedTrail(killed);
      expect(positions).toEqual(oneTo(total));
      expect(verdict).toMatchObject({ ok: true, summary: { records: 3000 } });
    } finally {
      await killed.stop();
    }
  });

  it('sends what was queued when the writer was killed (-9) while the SIEM was down', async () => {
    const directory = freshDir();
    const down = await startRsyslog();
    const url = `tls://127.0.0.1:${down.port}`;
    const caFile = join(root, `ca-${dirs}.pem`);
    writeFileSync(caFile, down.caPem);
    await down.kill();
    try {
      const writer = spawn(
        // node itself (not the tsx wrapper), so that SIGKILL reaches the process that writes.
        process.execPath,
        ['--import', 'tsx', 'test/harness/audit/trail-writer.ts', directory, '400', url, caFile],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve) => {
        let seen = '';
        writer.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('durable 400\n')) resolve();
        });
      });
      writer.kill('SIGKILL');
      await new Promise((resolve) => writer.once('exit', resolve));
      await down.restart();
      const again = new SiemForwarder({
        directory,
        target: parseSiemUrl(url, down.caPem) as SiemTarget,
        log: silentLog,
      });
      await again.flush();
      const total = trailLength(directory);
      await down.waitForMessages(total);
      const { positions, verdict } = receivedTrail(down);
      expect(positions).toEqual(oneTo(total));
      expect(verdict).toMatchObject({ ok: true, summary: { records: 400 } });
    } finally {
      await down.stop();
    }
  });

  it('sends nothing to a receiver whose certificate it does not trust, and keeps the queue', async () => {
    const directory = freshDir();
    await writeTrail(directory, 10);
    const impostor = await startRsyslog({ tls: await createTlsMaterial(['localhost']) });
    try {
      const forwarder = new SiemForwarder({
        directory,
        // The workstation trusts the real SIEM's CA, not the impostor's.
        target: { host: 'localhost', port: impostor.port, caPem: receiver.caPem },
        log: silentLog,
      });
      await expect(forwarder.flush()).rejects.toThrow(
        /cannot be reached over TLS \(.*(certificate|self.signed|issuer)/i,
      );
      expect(impostor.messages()).toEqual([]);
      expect(() => readFileSync(join(directory, CURSOR_FILE))).toThrow();
    } finally {
      await impostor.stop();
    }
  });
});
