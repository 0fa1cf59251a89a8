/** The small local adapters, against the real file system and the real clock. */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLinesAuditSink } from '../../../app/adapters/audit/jsonl-sink.js';
import { SystemClock } from '../../../app/adapters/clock/system-clock.js';
import { JsonFilePolicySource } from '../../../app/adapters/policy/json-file-source.js';
import type { AuditRecord } from '../../../app/core/audit.js';

const dir = mkdtempSync(join(tmpdir(), 'releve-adapters-'));

const record = (id: string): AuditRecord => ({
  id,
  action: 'authentication',
  outcome: 'success',
  personId: 'claire.martin',
  displayName: 'Claire Martin',
  nationalId: '899700075122',
  workstation: 'WS',
  badgeKind: 'rfid',
  method: 'badge-pin',
  reason: 'tap-in',
  time: '2026-11-23T07:00:00.000Z',
});

describe('JSON-lines audit sink', () => {
  it('appends whole lines in order, to a file only its owner can read, across reopenings', async () => {
    const path = join(dir, 'nested', 'audit.jsonl');
    const sink = new JsonLinesAuditSink(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.append(record(`r${i}`))));
    await sink.close();
    const again = new JsonLinesAuditSink(path);
    await again.append(record('after-restart'));
    await again.close();
    const ids = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as AuditRecord).id);
    expect(ids).toEqual([...Array.from({ length: 50 }, (_, i) => `r${i}`), 'after-restart']);
    expect(statSync(path).mode & 0o077).toBe(0);
  });

  it('has every record on disk when its append resolves, even appended during another flush', async () => {
    const path = join(dir, 'audit.jsonl');
    const sink = new JsonLinesAuditSink(path);
    const onDisk = (): string[] =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as AuditRecord).id);
    const first = sink.append(record('first'));
    const second = sink.append(record('second'));
    await first;
    const third = sink.append(record('third'));
    await second;
    expect(onDisk().slice(0, 2)).toEqual(['first', 'second']);
    await third;
    expect(onDisk()).toEqual(['first', 'second', 'third']);
    await sink.close();
  });

  it('rejects when the record cannot be written, so the agent knows', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const sink = new JsonLinesAuditSink(join(dir, 'not-a-dir', 'audit.jsonl'));
    await expect(sink.append(record('x'))).rejects.toThrow();
  });
});

describe('JSON file policy source', () => {
  it('returns the raw document, an empty one when nothing is configured, or says it is not JSON', async () => {
    writeFileSync(join(dir, 'policy.json'), '{"mode":"os-lock"}');
    writeFileSync(join(dir, 'broken.json'), '{"mode":');
    expect(await new JsonFilePolicySource(join(dir, 'policy.json')).read()).toMatchObject({
      ok: true,
      raw: { mode: 'os-lock' },
    });
    expect(await new JsonFilePolicySource(join(dir, 'absent.json')).read()).toEqual({
      ok: true,
      raw: {},
      location: join(dir, 'absent.json'),
    });
    expect(await new JsonFilePolicySource(join(dir, 'broken.json')).read()).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^the policy is not valid JSON/),
    });
  });
});

describe('system clock', () => {
  it('fires a timer once its time has come, and not after it is cancelled', async () => {
    const clock = new SystemClock();
    const fired: string[] = [];
    const cancel = clock.setTimer(clock.now() + 20, () => fired.push('cancelled'));
    cancel();
    await new Promise<void>((resolve) =>
      clock.setTimer(clock.now() + 30, () => (fired.push('due'), resolve())),
    );
    clock.setTimer(clock.now() - 1000, () => fired.push('past'));
    expect(fired).toEqual(['due', 'past']);
  });
});
