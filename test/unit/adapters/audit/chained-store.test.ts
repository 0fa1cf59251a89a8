/** The chained audit store against the real file system: durable, verifiable, and never quietly lossy. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkEd25519Signature,
  sha256Hex,
  VaultCheckpointKey,
} from '../../../../app/adapters/audit/chain-crypto.js';
import {
  ChainedAuditStore,
  type ChainedAuditStoreOptions,
} from '../../../../app/adapters/audit/chained-store.js';
import { readTrail } from '../../../../app/adapters/audit/trail-files.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import type { AuditRecord } from '../../../../app/core/audit.js';
import { isRecordLink, parseLink, verifyTrail, type RecordLink } from '../../../../app/core/audit-chain.js';
import type { SecretStore } from '../../../../app/core/ports/index.js';
import { MemorySecretStore } from '../../../harness/sim/memory-stores.js';

const root = mkdtempSync(join(tmpdir(), 'releve-audit-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `trail-${(dirs += 1)}`);

const record = (id: string, time = '2026-11-23T07:00:00.000Z'): AuditRecord => ({
  id,
  action: 'authentication',
  outcome: 'failure',
  personId: null,
  displayName: null,
  nationalId: null,
  workstation: 'WS-12',
  badgeKind: 'rfid',
  badgeId: '04A1B2C3',
  method: null,
  reason: 'wrong-pin',
  time,
});

function store(
  directory: string,
  extra: Partial<ChainedAuditStoreOptions> = {},
  vault: SecretStore = new MemorySecretStore(),
) {
  return new ChainedAuditStore({
    directory,
    workstation: 'WS-12',
    checkpointKey: new VaultCheckpointKey(vault),
    log: silentLog,
    retentionDays: 183,
    ...extra,
  });
}

async function verdict(directory: string) {
  return verifyTrail(await readTrail([directory]), {
    sha256: sha256Hex,
    checkSignature: checkEd25519Signature,
  });
}

function recordsIn(directory: string): RecordLink[] {
  return readFileSync(join(directory, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => parseLink(line))
    .flatMap((parsed) => (parsed.ok && isRecordLink(parsed.link) ? [parsed.link] : []));
}

describe('chained audit store', () => {
  it('chains records across restarts into one trail that verifies, signed at each open and close', async () => {
    const directory = freshDir();
    const vault = new MemorySecretStore();
    const first = store(directory, { directoryMode: 0o750, fileMode: 0o640 }, vault);
    await Promise.all(Array.from({ length: 40 }, (_, i) => first.append(record(`a${i}`))));
    await first.close();
    const second = store(directory, {}, vault);
    await second.append(record('after-restart'));
    await second.close();
    expect(recordsIn(directory).map((link) => link.record.id)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => `a${i}`),
      'after-restart',
    ]);
    expect(await verdict(directory)).toMatchObject({
      ok: true,
      summary: { records: 41, checkpoints: 4, unsignedTail: 0 },
    });
    expect(statSync(directory).mode & 0o777).toBe(0o750);
    expect(statSync(join(directory, 'audit.jsonl')).mode & 0o777).toBe(0o640);
  });

  it('has every record on disk, chained, when its append resolves, even appended during another flush', async () => {
    const directory = freshDir();
    const trail = store(directory);
    const first = trail.append(record('first'));
    const second = trail.append(record('second'));
    await first;
    const third = trail.append(record('third'));
    await second;
    expect(
      recordsIn(directory)
        .map((link) => link.record.id)
        .slice(0, 2),
    ).toEqual(['first', 'second']);
    await third;
    expect(recordsIn(directory).map((link) => link.record.id)).toEqual(['first', 'second', 'third']);
    await trail.close();
  });

  it('cuts a torn record back at open, keeps its bytes, records the repair, and the next record is whole', async () => {
    const directory = freshDir();
    const before = store(directory);
    await before.append(record('before-crash'));
    await before.close();
    // What a crash in the middle of a write leaves: half a line, no newline.
    const torn = '{"pos":3,"prev":"abc","record":{"id":"half';
    appendFileSync(join(directory, 'audit.jsonl'), torn);
    const after = store(directory);
    await after.append(record('after-crash'));
    await after.close();
    const records = recordsIn(directory);
    expect(records.map((link) => link.record.id)).toEqual([
      'before-crash',
      expect.any(String),
      'after-crash',
    ]);
    expect(records[1]?.record).toMatchObject({
      action: 'audit-trail-repaired',
      reason: 'torn-tail-cut',
      detail: expect.stringMatching(/^torn tail of 42 bytes after chain position \d+ cut off/),
    });
    expect(await verdict(directory)).toMatchObject({ ok: true, summary: { records: 3 } });
    const kept = readdirSync(directory).filter((name) => name.startsWith('audit.torn-'));
    expect(kept.map((name) => readFileSync(join(directory, name), 'utf8'))).toEqual([torn]);
  });

  it('tries again to open a trail it could not open at first', async () => {
    const directory = freshDir();
    writeFileSync(directory, 'a file where the directory should be');
    const trail = store(directory);
    await expect(trail.append(record('refused'))).rejects.toThrow(
      /audit trail cannot be opened \(EEXIST|ENOTDIR/,
    );
    rmSync(directory);
    await trail.append(record('accepted'));
    await trail.close();
    expect(recordsIn(directory).map((link) => link.record.id)).toEqual(['accepted']);
  });

  it('keeps records durable while the vault is away, and signs them once it is back', async () => {
    const directory = freshDir();
    const vault = new MemorySecretStore();
    let away = true;
    const flaky: SecretStore = {
      get: (account) => (away ? Promise.reject(new Error('vault locked')) : vault.get(account)),
      set: (account, value) => (away ? Promise.reject(new Error('vault locked')) : vault.set(account, value)),
      delete: (account) => vault.delete(account),
    };
    const trail = store(directory, { checkpointEvery: 2 }, flaky);
    await trail.append(record('unsigned-1'));
    await trail.append(record('unsigned-2'));
    expect(await verdict(directory)).toMatchObject({
      ok: true,
      summary: { checkpoints: 0, unsignedTail: 2 },
    });
    away = false;
    await trail.append(record('signed'));
    await trail.close();
    expect(await verdict(directory)).toMatchObject({ ok: true, summary: { records: 3, unsignedTail: 0 } });
  });

  it('starts a new file each day, continues the chain across files, and deletes files past retention', async () => {
    const directory = freshDir();
    let now = Date.parse('2026-05-01T10:00:00Z');
    const trail = store(directory, { now: () => now, retentionDays: 183 });
    await trail.append(record('may-1', '2026-05-01T10:00:00.000Z'));
    now = Date.parse('2026-05-02T10:00:00Z');
    await trail.append(record('may-2', '2026-05-02T10:00:00.000Z'));
    const rotated = readdirSync(directory).filter((name) => /^audit-\d{12}\.jsonl$/.test(name));
    expect(rotated).toEqual(['audit-000000000001.jsonl']);
    expect(await verdict(directory)).toMatchObject({ ok: true, summary: { files: 2, records: 2 } });
    // Six months later: the May 1st file goes, the chain still verifies from where it starts.
    const old = Date.parse('2026-05-01T12:00:00Z') / 1000;
    utimesSync(join(directory, 'audit-000000000001.jsonl'), old, old);
    now = Date.parse('2026-11-02T10:00:00Z');
    await trail.append(record('nov-2', '2026-11-02T10:00:00.000Z'));
    await trail.close();
    expect(readdirSync(directory).filter((name) => name.startsWith('audit-'))).not.toContain(
      'audit-000000000001.jsonl',
    );
    expect(await verdict(directory)).toMatchObject({
      ok: true,
      summary: { startsMidChain: true, records: 2 },
    });
  });

  it('keeps a file past retention that the SIEM has not received yet', async () => {
    const directory = freshDir();
    let now = Date.parse('2026-05-01T10:00:00Z');
    const trail = store(directory, { now: () => now, forwardedUpTo: () => 1 });
    await trail.append(record('may-1', '2026-05-01T10:00:00.000Z'));
    now = Date.parse('2026-05-02T10:00:00Z');
    await trail.append(record('may-2', '2026-05-02T10:00:00.000Z'));
    const old = Date.parse('2026-05-01T12:00:00Z') / 1000;
    utimesSync(join(directory, 'audit-000000000001.jsonl'), old, old);
    now = Date.parse('2026-11-03T10:00:00Z');
    await trail.append(record('nov-3', '2026-11-03T10:00:00.000Z'));
    await trail.close();
    // Its opened checkpoint and record reach position 2: the SIEM has only 1.
    expect(readdirSync(directory)).toContain('audit-000000000001.jsonl');
  });
});

/**
 * A full disk, for real: a 64 KiB tmpfs in this test's own mount namespace
 * (test/harness/isolated.sh gives one; needs root).
 */
const canMount = (() => {
  if (process.getuid?.() !== 0 || process.env.RELEVE_ISOLATED !== '1') return false;
  return true;
})();

(canMount ? describe : describe.skip)('chained audit store on a full disk (tmpfs, isolated.sh)', () => {
  it('rejects the append, leaves only whole records, and goes on once space is back', async () => {
    const mountPoint = join(root, 'small-disk');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'releve-audit-full', mountPoint]);
    try {
      const directory = join(mountPoint, 'trail');
      const trail = store(directory);
      let accepted = 0;
      let refused: unknown = null;
      for (let i = 0; i < 2000 && refused === null; i += 1) {
        try {
          await trail.append(record(`r${i}`));
          accepted += 1;
        } catch (error) {
          refused = error;
        }
      }
      expect(String(refused)).toMatch(/cannot be (made durable|opened) \(ENOSPC/);
      expect(accepted).toBeGreaterThan(10);
      expect(await verdict(directory)).toMatchObject({ ok: true, summary: { records: accepted } });
      writeFileSync(join(mountPoint, 'ballast'), '');
      execFileSync('mount', ['-o', 'remount,size=256k', mountPoint]);
      await trail.append(record('after-space-freed'));
      await trail.close();
      expect(recordsIn(directory).at(-1)?.record.id).toBe('after-space-freed');
      expect(await verdict(directory)).toMatchObject({ ok: true, summary: { records: accepted + 1 } });
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
