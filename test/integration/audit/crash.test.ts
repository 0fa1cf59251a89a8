/**
 * A writer killed (-9) while it appends, again and again: every record it was told is durable is
 * in the trail, the trail verifies up to its last whole record, and the next writer cuts any torn
 * tail, records that, and goes on with the chain.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEd25519Signature, sha256Hex } from '../../../app/adapters/audit/chain-crypto.js';
import { readTrail } from '../../../app/adapters/audit/trail-files.js';
import { isRecordLink, parseLink, verifyTrail } from '../../../app/core/audit-chain.js';

const root = mkdtempSync(join(tmpdir(), 'releve-audit-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the writer until it has said `durable N` for `acks` records, then kills it (-9); resolves the last N. */
function writeThenKill(directory: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // node itself (not the tsx wrapper), so that SIGKILL reaches the process that writes.
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/harness/audit/trail-writer.ts', directory, '100000'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let seen = '';
    let last = 0;
    writer.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const lines = seen.split('\n');
      seen = lines.pop() ?? '';
      for (const line of lines) last = Number(line.split(' ')[1]);
      if (last >= acks) writer.kill('SIGKILL');
    });
    writer.once('exit', () => resolve(last));
    writer.once('error', reject);
  });
}

const verify = async (directory: string) =>
  verifyTrail(await readTrail([directory]), { sha256: sha256Hex, checkSignature: checkEd25519Signature });

describe('audit trail under kill -9', () => {
  it('keeps every acknowledged record and resumes the chain after each crash', async () => {
    const directory = join(root, 'trail');
    const acknowledged: string[] = [];
    for (const acks of [120, 300, 200]) {
      // Each run numbers its records from 1: the IDs repeat across runs, positions do not.
      const last = await writeThenKill(directory, acks);
      for (let n = 1; n <= last; n += 1) acknowledged.push(`crash-${n}`);
      const verdict = await verify(directory);
      // Intact, or intact up to a record the kill cut short at the very end.
      if (!verdict.ok) expect(verdict.problem.why).toMatch(/cut short|not a whole record/);
      const ids = readFileSync(join(directory, 'audit.jsonl'), 'utf8')
        .split('\n')
        .flatMap((line) => {
          const parsed = parseLink(line);
          return parsed.ok && isRecordLink(parsed.link) && parsed.link.record.action === 'authentication'
            ? [parsed.link.record.id]
            : [];
        });
      // Every acknowledged record is there, in order (a few more may be: durable, not yet acknowledged).
      expect(ids.slice(0, acknowledged.length)).toEqual(acknowledged);
      acknowledged.splice(0, acknowledged.length, ...ids);
    }
    // A last writer opens it, repairs what needs repairing, and the whole trail verifies.
    await writeThenKill(directory, 1);
    const text = readFileSync(join(directory, 'audit.jsonl'), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    expect(
      verifyTrail([{ name: 'audit.jsonl', text: complete }], {
        sha256: sha256Hex,
        checkSignature: checkEd25519Signature,
      }),
    ).toMatchObject({ ok: true, summary: { checkpoints: expect.any(Number) } });
  });
});
