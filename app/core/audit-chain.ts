/**
 * The audit trail as a hash chain: what a line of the trail is, how it is hashed, what a signed
 * checkpoint says, and how a trail is verified. Pure: the hash and the signature check are
 * given by the caller (node:crypto in the adapters), so that the store that writes a trail and
 * `releve audit verify` that checks it share one definition.
 *
 * A trail is a sequence of links, one JSON object per line, each at a chain position (1, 2, ...):
 * - a record link carries an audit record;
 * - a checkpoint link carries the workstation's signature over the position and hash before it,
 *   so that rewriting the chain (even recomputing every hash) fails at the next checkpoint.
 * Each link's hash is SHA-256 over the canonical form of {pos, prev, record | checkpoint}; `prev`
 * is the hash of the link before (64 zeros before the first). Time is carried, never trusted:
 * a clock that jumps backwards changes nothing in the chain.
 */
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditRecord } from './audit.js';

/** The `prev` of the very first link. */
export const GENESIS_HASH = '0'.repeat(64);

export const CHECKPOINT_REASONS = ['opened', 'interval', 'rotated', 'closed'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

export interface Checkpoint {
  readonly time: string;
  readonly workstation: string;
  /** Why it was written: the store opened, N records since the last one, a file rotation, a close. */
  readonly reason: CheckpointReason;
  /** The workstation's public key (SPKI DER, base64): who signed. */
  readonly key: string;
  /** Signature (base64) over `checkpointMessage(pos, prev, fields)`. */
  readonly signature: string;
}

interface LinkBase {
  readonly pos: number;
  readonly prev: string;
  readonly hash: string;
}
export interface RecordLink extends LinkBase {
  readonly record: AuditRecord;
}
export interface CheckpointLink extends LinkBase {
  readonly checkpoint: Checkpoint;
}
export type ChainLink = RecordLink | CheckpointLink;

export interface ChainHead {
  readonly pos: number;
  readonly hash: string;
}
export const EMPTY_CHAIN: ChainHead = { pos: 0, hash: GENESIS_HASH };

/** SHA-256 of UTF-8 text, lower-case hex. */
export type Sha256Hex = (text: string) => string;
/** Whether `signature` (base64) by `key` (SPKI DER, base64) is valid over `message`. */
export type SignatureCheck = (key: string, message: string, signature: string) => boolean;

export function isRecordLink(link: ChainLink): link is RecordLink {
  return 'record' in link;
}

/**
 * Canonical JSON: object keys sorted, no whitespace, integers only. The same record gives the
 * same bytes whichever program wrote it, so a hash can be recomputed anywhere.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('only integers have a canonical form here');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`no canonical form for a ${typeof value}`);
}

function linkHash(sha256: Sha256Hex, body: Omit<RecordLink, 'hash'> | Omit<CheckpointLink, 'hash'>): string {
  return sha256(canonicalJson(body));
}

/** The next record link after `head`. */
export function recordLink(sha256: Sha256Hex, head: ChainHead, record: AuditRecord): RecordLink {
  const body = { pos: head.pos + 1, prev: head.hash, record };
  return { ...body, hash: linkHash(sha256, body) };
}

/** What a checkpoint's signature covers: its position, the hash before it, and its own fields. */
export function checkpointMessage(pos: number, prev: string, fields: Omit<Checkpoint, 'signature'>): string {
  return canonicalJson({ purpose: 'releve-audit-checkpoint-v1', pos, prev, ...fields });
}

/** The next checkpoint link after `head`, given its signature. */
export function checkpointLink(sha256: Sha256Hex, head: ChainHead, checkpoint: Checkpoint): CheckpointLink {
  const body = { pos: head.pos + 1, prev: head.hash, checkpoint };
  return { ...body, hash: linkHash(sha256, body) };
}

/** One line of the trail file (with its newline). */
export function serialiseLink(link: ChainLink): string {
  return `${JSON.stringify(link)}\n`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';

/** Why a parsed record is not an audit record, or null when it is one. */
function recordProblem(record: Record<string, unknown>): string | null {
  if (typeof record.id !== 'string' || record.id.length === 0) return 'the record has no ID';
  if (!(AUDIT_ACTIONS as readonly unknown[]).includes(record.action)) return 'unknown action';
  if (!(AUDIT_OUTCOMES as readonly unknown[]).includes(record.outcome)) return 'unknown outcome';
  if (typeof record.time !== 'string' || Number.isNaN(Date.parse(record.time))) return 'no valid time';
  if (typeof record.workstation !== 'string' || typeof record.reason !== 'string') return 'missing fields';
  for (const field of ['personId', 'displayName', 'nationalId', 'badgeKind', 'method'] as const) {
    if (!nullableString(record[field])) return `bad ${field}`;
  }
  return null;
}

function checkpointProblem(checkpoint: Record<string, unknown>): string | null {
  if (typeof checkpoint.time !== 'string' || typeof checkpoint.workstation !== 'string')
    return 'missing fields';
  if (!(CHECKPOINT_REASONS as readonly unknown[]).includes(checkpoint.reason)) return 'unknown reason';
  if (typeof checkpoint.key !== 'string' || !BASE64.test(checkpoint.key)) return 'no public key';
  if (typeof checkpoint.signature !== 'string' || !BASE64.test(checkpoint.signature)) return 'no signature';
  return null;
}

export type ParsedLine = { ok: true; link: ChainLink } | { ok: false; why: string };

/** One line of a trail (without its newline), read as a link, or why it is not one. */
export function parseLink(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, why: 'it is not a whole record (cut short or damaged)' };
  }
  if (!isObject(value)) return { ok: false, why: 'it is not a chain link' };
  const { pos, prev, hash } = value;
  if (typeof pos !== 'number' || !Number.isSafeInteger(pos) || pos < 1)
    return { ok: false, why: 'it has no valid chain position' };
  if (typeof prev !== 'string' || !HEX64.test(prev) || typeof hash !== 'string' || !HEX64.test(hash))
    return { ok: false, why: 'it has no valid hashes' };
  const keys = Object.keys(value).sort().join(',');
  if (keys === 'hash,pos,prev,record' && isObject(value.record)) {
    const problem = recordProblem(value.record);
    if (problem) return { ok: false, why: `it is not an audit record (${problem})` };
    return { ok: true, link: value as unknown as RecordLink };
  }
  if (keys === 'checkpoint,hash,pos,prev' && isObject(value.checkpoint)) {
    const problem = checkpointProblem(value.checkpoint);
    if (problem) return { ok: false, why: `it is not a checkpoint (${problem})` };
    return { ok: true, link: value as unknown as CheckpointLink };
  }
  return { ok: false, why: 'it is not a chain link' };
}

/** Whether a link's hash is that of its own content. */
export function linkHashMatches(sha256: Sha256Hex, link: ChainLink): boolean {
  const { hash, ...body } = link;
  return linkHash(sha256, body) === hash;
}

export function checkpointSignatureValid(check: SignatureCheck, link: CheckpointLink): boolean {
  const { signature, ...fields } = link.checkpoint;
  try {
    return check(fields.key, checkpointMessage(link.pos, link.prev, fields), signature);
  } catch {
    return false;
  }
}

// --- verification --------------------------------------------------------------------------

export interface TrailFile {
  readonly name: string;
  readonly text: string;
}

export interface TrailSummary {
  readonly files: number;
  readonly records: number;
  readonly checkpoints: number;
  readonly firstPos: number | null;
  readonly lastPos: number | null;
  /** Earliest and latest record times (a clock may have gone back: these are min and max). */
  readonly from: string | null;
  readonly until: string | null;
  /** Fingerprints (SHA-256 of the key, first 16 hex digits) of the keys that signed checkpoints. */
  readonly signers: readonly string[];
  /** Links after the last signed checkpoint: protected by the hashes only, not yet by a signature. */
  readonly unsignedTail: number;
  /** How often a record's time was earlier than the one before (a clock set back). */
  readonly clockWentBack: number;
  /** The first file continues an earlier one that was not given (rotated away or kept elsewhere). */
  readonly startsMidChain: boolean;
}

export interface TrailProblem {
  readonly file: string;
  /** 1-based line in that file. */
  readonly line: number;
  readonly pos: number | null;
  readonly recordId: string | null;
  readonly why: string;
}

export type TrailVerdict =
  | { readonly ok: true; readonly summary: TrailSummary }
  | { readonly ok: false; readonly problem: TrailProblem; readonly summary: TrailSummary };

export interface VerifyOptions {
  readonly sha256: Sha256Hex;
  readonly checkSignature: SignatureCheck;
  /** Fingerprints of the keys allowed to sign; empty: any key, reported in the summary. */
  readonly trustedSigners?: readonly string[];
}

export function keyFingerprint(sha256: Sha256Hex, key: string): string {
  return sha256(`releve-audit-key:${key}`).slice(0, 16);
}

/** Each line of a file with its 1-based number; a last line without newline is reported as cut. */
function linesOf(text: string): { lines: string[]; cutTail: boolean } {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  return { lines: last === '' ? lines : [...lines, last], cutTail: last !== '' };
}

/**
 * Verifies files that together form one trail, in chain order: each link's hash, its position
 * right after the one before, its link to the hash before, each checkpoint's signature. Stops at
 * the first bad link and says which and why. Never throws on any input.
 */
export function verifyTrail(files: readonly TrailFile[], options: VerifyOptions): TrailVerdict {
  const { sha256, checkSignature } = options;
  const trusted = new Set(options.trustedSigners ?? []);
  const signers = new Set<string>();
  let records = 0;
  let checkpoints = 0;
  let firstPos: number | null = null;
  let head: ChainHead | null = null;
  let from: string | null = null;
  let until: string | null = null;
  let lastTime: number | null = null;
  let clockWentBack = 0;
  let unsignedTail = 0;
  let startsMidChain = false;
  const seen = new Map<string, number>();

  const summary = (): TrailSummary => ({
    files: files.length,
    records,
    checkpoints,
    firstPos,
    lastPos: head?.pos ?? null,
    from,
    until,
    signers: [...signers],
    unsignedTail,
    clockWentBack,
    startsMidChain,
  });

  for (const file of files) {
    const { lines, cutTail } = linesOf(file.text);
    for (const [index, line] of lines.entries()) {
      const lineNo = index + 1;
      const fail = (why: string, link?: ChainLink): TrailVerdict => ({
        ok: false,
        problem: {
          file: file.name,
          line: lineNo,
          pos: link?.pos ?? null,
          recordId: link && isRecordLink(link) ? link.record.id : null,
          why,
        },
        summary: summary(),
      });
      if (cutTail && index === lines.length - 1) {
        return fail('the last record is cut short (truncated: the file ends in the middle of it)');
      }
      const parsed = parseLink(line);
      if (!parsed.ok) return fail(parsed.why);
      const { link } = parsed;
      if (!linkHashMatches(sha256, link)) return fail('its content does not match its hash (edited)', link);
      if (head === null) {
        if (link.pos === 1 && link.prev !== GENESIS_HASH)
          return fail('the first record does not start a chain', link);
        startsMidChain = link.pos !== 1;
        firstPos = link.pos;
      } else {
        const expected = head.pos + 1;
        const earlier = seen.get(link.hash);
        if (earlier !== undefined) return fail(`it duplicates chain position ${earlier}`, link);
        if (link.pos > expected) {
          const missing = link.pos - 1 === expected ? `${expected}` : `${expected} to ${link.pos - 1}`;
          return fail(`chain position ${missing} is missing before it (deleted)`, link);
        }
        if (link.pos < expected)
          return fail(
            `it is at chain position ${link.pos} but position ${expected} was expected (reordered)`,
            link,
          );
        if (link.prev !== head.hash)
          return fail(`it does not link to the record before it (inserted or replaced)`, link);
      }
      if (isRecordLink(link)) {
        records += 1;
        unsignedTail += 1;
        const time = Date.parse(link.record.time);
        if (lastTime !== null && time < lastTime) clockWentBack += 1;
        lastTime = time;
        if (from === null || link.record.time < from) from = link.record.time;
        if (until === null || link.record.time > until) until = link.record.time;
      } else {
        if (!checkpointSignatureValid(checkSignature, link))
          return fail('its signature is not valid (the chain before it was rewritten)', link);
        const signer = keyFingerprint(sha256, link.checkpoint.key);
        if (trusted.size > 0 && !trusted.has(signer))
          return fail(`it is signed by key ${signer}, not by a trusted workstation key`, link);
        signers.add(signer);
        checkpoints += 1;
        unsignedTail = 0;
      }
      seen.set(link.hash, link.pos);
      head = { pos: link.pos, hash: link.hash };
    }
  }
  return { ok: true, summary: summary() };
}
