/** `releve audit verify|export`: what the security officer reads, and what it exits with. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultCheckpointKey } from '../../../../app/adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../../../../app/adapters/audit/chained-store.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import { auditCommand } from '../../../../app/agent/commands/audit.js';
import type { AuditRecord } from '../../../../app/core/audit.js';
import { MemorySecretStore } from '../../../harness/sim/memory-stores.js';

const root = mkdtempSync(join(tmpdir(), 'releve-audit-cli-'));
const trail = join(root, 'trail');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = {
  personId: 'claire.martin',
  displayName: 'Claire Martin',
  nationalId: '899700075122',
  workstation: 'WS-12',
  badgeKind: 'rfid' as const,
  badgeId: '04A1B2C3',
};
const records: AuditRecord[] = [
  {
    ...base,
    id: 'r1',
    action: 'authentication',
    outcome: 'failure',
    method: null,
    reason: 'wrong-pin',
    time: '2026-11-23T07:00:00.000Z',
  },
  {
    ...base,
    id: 'r2',
    action: 'session-opened',
    outcome: 'success',
    method: 'badge-pin',
    reason: 'tap-in',
    time: '2026-11-23T07:01:00.000Z',
  },
  // The clock was set back by an hour here.
  {
    ...base,
    id: 'r3',
    personId: 'paul.durand',
    displayName: '=HYPERLINK("http://x","Dr, \\"Paul\\"")',
    nationalId: '810001234567',
    action: 'break-glass',
    outcome: 'success',
    method: 'break-glass',
    reason: 'break-glass-requested',
    detail: 'arrêt cardiaque',
    time: '2026-11-23T06:05:00.000Z',
  },
  {
    ...base,
    id: 'r4',
    action: 'session-locked',
    outcome: 'info',
    method: 'badge-pin',
    reason: 'tap-out',
    time: '2026-11-24T09:00:00.000Z',
  },
];

function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  return auditCommand(
    args,
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    { defaultTrail: () => join(trail, 'audit.jsonl') },
  ).then((code) => ({ code, out, err }));
}

/** A copy of the trail with one line changed by `edit`. */
function tampered(name: string, edit: (lines: string[]) => string[]): string {
  const dir = join(root, name);
  cpSync(trail, dir, { recursive: true });
  const file = join(dir, 'audit.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  writeFileSync(
    file,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
  return dir;
}

beforeAll(async () => {
  const store = new ChainedAuditStore({
    directory: trail,
    workstation: 'WS-12',
    checkpointKey: new VaultCheckpointKey(new MemorySecretStore()),
    log: silentLog,
    retentionDays: 183,
    now: () => Date.parse('2026-11-23T10:00:00Z'),
  });
  for (const record of records) await store.append(record);
  await store.close();
});

describe('releve audit verify', () => {
  it('says the trail is intact, with its records, time span and checkpoints (this workstation’s by default)', async () => {
    const result = await run('verify');
    expect(result).toMatchObject({ code: 0, err: [] });
    expect(result.out[0]).toBe('audit trail intact');
    expect(result.out.join('\n')).toMatch(/4 records in 1 file, chain positions 1 to 6/);
    expect(result.out.join('\n')).toMatch(/from 2026-11-23T06:05:00.000Z to 2026-11-24T09:00:00.000Z/);
    expect(result.out.join('\n')).toMatch(/2 signed checkpoints \(key [0-9a-f]{16}\)/);
    expect(result.out.join('\n')).toMatch(/the clock went back 1 time/);
  });

  it.each([
    [
      'edited',
      (l: string[]) => l.map((x, i) => (i === 2 ? x.replace('tap-in', 'tap-over') : x)),
      /line 3 \(chain position 3, record r2\): .*edited/,
    ],
    [
      'deleted',
      (l: string[]) => l.filter((_, i) => i !== 2),
      /line 3 \(chain position 4, record r3\): chain position 3 is missing/,
    ],
    [
      'reordered',
      (l: string[]) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)],
      /line 2 \(chain position 3, record r2\): chain position 2 is missing/,
    ],
    [
      'duplicated',
      (l: string[]) => [...l.slice(0, 3), l[2]!, ...l.slice(3)],
      /line 4 \(chain position 3, record r2\): it duplicates chain position 3/,
    ],
    [
      'inserted',
      (l: string[]) => [...l.slice(0, 2), l[1]!.replace('"pos":2', '"pos":3'), ...l.slice(2)],
      /line 3 \(chain position 3, record r1\): .*edited/,
    ],
    ['truncated', (l: string[]) => [...l.slice(0, -1), l.at(-1)!.slice(0, 30)], /line 6: .*cut short/],
  ])('names the first bad record of a trail with a record %s, and exits 1', async (name, edit, why) => {
    const dir = tampered(name, edit);
    const result = await run('verify', dir);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err[0]).toMatch(/^audit trail NOT intact: /);
    expect(result.err[0]).toMatch(why);
    expect(result.err.join('\n')).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('says what is wrong, without a stack trace, for a missing file or one that is no trail', async () => {
    const missing = await run('verify', join(root, 'nowhere.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([expect.stringMatching(/nowhere\.jsonl: cannot be read \(ENOENT\)$/)]);
    writeFileSync(join(root, 'garbage.jsonl'), '\u0000\u0001 not json\n');
    const garbage = await run('verify', join(root, 'garbage.jsonl'));
    expect(garbage.code).toBe(1);
    expect(garbage.err[0]).toMatch(/garbage\.jsonl line 1: it is not a whole record/);
    expect((await run('verify', '--bogus')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });
});

describe('releve audit export', () => {
  const ids = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { id: string }).id);

  it('exports the records as JSON lines, filtered by time, person and break-glass', async () => {
    expect(ids((await run('export', trail)).out)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(
      ids(
        (await run('export', trail, '--since', '2026-11-23T06:30:00Z', '--until', '2026-11-23T23:59:59Z'))
          .out,
      ),
    ).toEqual(['r1', 'r2']);
    expect(ids((await run('export', trail, '--person', '810001234567')).out)).toEqual(['r3']);
    expect(ids((await run('export', trail, '--person', 'claire.martin')).out)).toEqual(['r1', 'r2', 'r4']);
    const breakGlass = (await run('export', trail, '--break-glass')).out;
    expect(breakGlass.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        pos: 4,
        id: 'r3',
        reason: 'break-glass-requested',
        detail: 'arrêt cardiaque',
      }),
    ]);
  });

  it('exports CSV a spreadsheet opens safely: quoted, and no cell run as a formula', async () => {
    const { code, out } = await run('export', trail, '--break-glass', '--format', 'csv');
    expect(code).toBe(0);
    expect(out[0]).toBe(
      'pos,id,time,action,outcome,personId,displayName,nationalId,workstation,badgeKind,badgeId,method,reason,detail',
    );
    expect(out[1]).toBe(
      `4,r3,2026-11-23T06:05:00.000Z,break-glass,success,paul.durand,"'=HYPERLINK(""http://x"",""Dr, \\""Paul\\"""")",810001234567,WS-12,rfid,04A1B2C3,break-glass,break-glass-requested,arrêt cardiaque`,
    );
  });

  it('exports nothing from a trail that is not intact, and says why', async () => {
    const dir = tampered('export-edited', (l) =>
      l.map((x, i) => (i === 1 ? x.replace('wrong-pin', 'tap-in') : x)),
    );
    const result = await run('export', dir);
    expect(result).toMatchObject({ code: 1, out: [] });
    expect(result.err[0]).toMatch(/not intact, nothing exported: .*line 2 .*edited/);
    expect((await run('export', trail, '--since', 'yesterday')).code).toBe(2);
    expect((await run('export', trail, '--format', 'xml')).code).toBe(2);
  });
});
