/** The hash chain and its verification: each kind of tampering is named at its first bad line. */
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { checkEd25519Signature, sha256Hex } from '../../../app/adapters/audit/chain-crypto.js';
import type { AuditRecord } from '../../../app/core/audit.js';
import {
  canonicalJson,
  checkpointLink,
  checkpointMessage,
  EMPTY_CHAIN,
  keyFingerprint,
  recordLink,
  serialiseLink,
  verifyTrail,
  type ChainHead,
  type ChainLink,
} from '../../../app/core/audit-chain.js';
import { sign, createPublicKey } from 'node:crypto';

const { privateKey } = generateKeyPairSync('ed25519');
const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
const options = { sha256: sha256Hex, checkSignature: checkEd25519Signature };

const record = (
  n: number,
  time = `2026-11-23T07:${String(n % 60).padStart(2, '0')}:00.000Z`,
): AuditRecord => ({
  id: `rec-${n}`,
  action: 'authentication',
  outcome: n % 3 === 0 ? 'failure' : 'success',
  personId: 'claire.martin',
  displayName: 'Claire Martin — IDE',
  nationalId: '899700075122',
  workstation: 'WS-12',
  badgeKind: 'rfid',
  badgeId: '04A1B2C3D4E5F6',
  method: 'badge-pin',
  reason: n % 3 === 0 ? 'wrong-pin' : 'tap-in',
  time,
});

function checkpointAfter(head: ChainHead, signer = privateKey, key = publicKey): ChainLink {
  const fields = { time: '2026-11-23T08:00:00.000Z', workstation: 'WS-12', reason: 'interval' as const, key };
  const signature = sign(
    null,
    Buffer.from(checkpointMessage(head.pos + 1, head.hash, fields)),
    signer,
  ).toString('base64');
  return checkpointLink(sha256Hex, head, { ...fields, signature });
}

/** Ten records, a checkpoint, five more records. */
function trail(): ChainLink[] {
  const links: ChainLink[] = [];
  let head: ChainHead = EMPTY_CHAIN;
  for (let n = 1; n <= 15; n += 1) {
    if (n === 11) {
      const checkpoint = checkpointAfter(head);
      links.push(checkpoint);
      head = checkpoint;
    }
    const link = recordLink(sha256Hex, head, record(n));
    links.push(link);
    head = link;
  }
  return links;
}

const text = (lines: readonly string[]): string => lines.join('');
const linesOf = (links: readonly ChainLink[]): string[] => links.map(serialiseLink);
const verify = (lines: readonly string[]) =>
  verifyTrail([{ name: 'audit.jsonl', text: text(lines) }], options);

describe('audit chain', () => {
  it('verifies an intact trail and summarises it', () => {
    const verdict = verify(linesOf(trail()));
    expect(verdict).toEqual({
      ok: true,
      summary: expect.objectContaining({
        records: 15,
        checkpoints: 1,
        firstPos: 1,
        lastPos: 16,
        from: '2026-11-23T07:01:00.000Z',
        until: '2026-11-23T07:15:00.000Z',
        signers: [keyFingerprint(sha256Hex, publicKey)],
        unsignedTail: 5,
        startsMidChain: false,
      }),
    });
  });

  it('has one canonical form whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'é'], c: { z: 'x', y: undefined } })).toBe(
      '{"a":[true,null,"é"],"b":1,"c":{"z":"x"}}',
    );
    expect(() => canonicalJson({ n: 1.5 })).toThrow();
  });

  it('names an edited record', () => {
    const lines = linesOf(trail());
    lines[4] = (lines[4] as string).replace('Claire Martin', 'Paul Durand');
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 5, pos: 5, recordId: 'rec-5', why: expect.stringMatching(/edited/) },
      summary: { records: 4 },
    });
  });

  it('names a deleted record', () => {
    const lines = linesOf(trail());
    lines.splice(6, 1);
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 7, pos: 8, why: 'chain position 7 is missing before it (deleted)' },
    });
  });

  it('names reordered records', () => {
    const lines = linesOf(trail());
    [lines[2], lines[3]] = [lines[3] as string, lines[2] as string];
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 3, pos: 4, why: expect.stringMatching(/missing/) },
    });
    const swappedBack = linesOf(trail());
    swappedBack.splice(5, 0, swappedBack[2] as string);
    swappedBack.splice(3, 1);
    expect(verify(swappedBack).ok).toBe(false);
  });

  it('names a duplicated record', () => {
    const lines = linesOf(trail());
    lines.splice(4, 0, lines[3] as string);
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 5, pos: 4, why: 'it duplicates chain position 4' },
    });
  });

  it('names an inserted record, even one whose own hash is right', () => {
    const links = trail();
    const forged = recordLink(sha256Hex, { pos: 5, hash: 'f'.repeat(64) }, record(99));
    const lines = linesOf(links);
    lines.splice(5, 0, serialiseLink(forged));
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 6, recordId: 'rec-99', why: expect.stringMatching(/does not link/) },
    });
  });

  it('names a record cut short, after verifying every whole record before it', () => {
    const lines = linesOf(trail());
    const last = lines.pop() as string;
    lines.push(last.slice(0, 40));
    expect(verify(lines)).toMatchObject({
      ok: false,
      problem: { line: 16, why: expect.stringMatching(/cut short/) },
      summary: { lastPos: 15 },
    });
  });

  it('catches a chain rewritten with recomputed hashes at the checkpoint after it', () => {
    const links = trail();
    let head: ChainHead = EMPTY_CHAIN;
    const rewritten: ChainLink[] = [];
    for (const link of links) {
      const next =
        'record' in link
          ? recordLink(
              sha256Hex,
              head,
              link.pos === 3 ? { ...link.record, displayName: 'Quelqu’un' } : link.record,
            )
          : checkpointLink(sha256Hex, head, link.checkpoint);
      rewritten.push(next);
      head = next;
    }
    expect(verify(linesOf(rewritten))).toMatchObject({
      ok: false,
      problem: { line: 11, pos: 11, why: expect.stringMatching(/signature is not valid/) },
    });
  });

  it('refuses a checkpoint signed by a key that is not trusted', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const otherKey = createPublicKey(other).export({ format: 'der', type: 'spki' }).toString('base64');
    const first = recordLink(sha256Hex, EMPTY_CHAIN, record(1));
    const lines = linesOf([first, checkpointAfter(first, other, otherKey)]);
    expect(verify(lines).ok).toBe(true);
    expect(
      verifyTrail([{ name: 'a', text: text(lines) }], {
        ...options,
        trustedSigners: [keyFingerprint(sha256Hex, publicKey)],
      }),
    ).toMatchObject({ ok: false, problem: { line: 2, why: expect.stringMatching(/not by a trusted/) } });
  });

  it('is not troubled by a clock set back: it counts it', () => {
    const first = recordLink(sha256Hex, EMPTY_CHAIN, record(1, '2026-11-23T07:30:00.000Z'));
    const second = recordLink(sha256Hex, first, record(2, '2026-11-23T06:10:00.000Z'));
    const third = recordLink(sha256Hex, second, record(3, '2026-11-23T06:20:00.000Z'));
    expect(verify(linesOf([first, second, third]))).toMatchObject({
      ok: true,
      summary: {
        records: 3,
        clockWentBack: 1,
        from: '2026-11-23T06:10:00.000Z',
        until: '2026-11-23T07:30:00.000Z',
      },
    });
  });

  it('verifies a trail split across files, and names a file missing in the middle', () => {
    const lines = linesOf(trail());
    const files = [
      { name: 'audit-000000000001.jsonl', text: text(lines.slice(0, 6)) },
      { name: 'audit-000000000007.jsonl', text: text(lines.slice(6, 12)) },
      { name: 'audit.jsonl', text: text(lines.slice(12)) },
    ];
    expect(verifyTrail(files, options)).toMatchObject({ ok: true, summary: { files: 3, records: 15 } });
    expect(verifyTrail([files[0]!, files[2]!], options)).toMatchObject({
      ok: false,
      problem: { file: 'audit.jsonl', line: 1, why: 'chain position 7 to 12 is missing before it (deleted)' },
    });
    // A rotated file kept alone (the ones before it past retention) verifies, and says so.
    expect(verifyTrail([files[1]!], options)).toMatchObject({ ok: true, summary: { startsMidChain: true } });
  });

  it('never throws on garbage', () => {
    for (const garbage of [
      '',
      '\n',
      'null\n',
      '[]\n',
      '{"pos":1}\n',
      '\u0000\u0000\u0000',
      '{"pos":1e400,"prev":1}\n',
    ]) {
      expect(() => verify([garbage])).not.toThrow();
    }
    expect(verify(['{"pos":1}\n'])).toMatchObject({ ok: false, problem: { line: 1 } });
  });
});
