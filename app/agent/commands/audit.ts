/**
 * `releve audit verify|export|forward`: the security officer's and IT's tools over an audit trail
 * (files, or the directory that holds them; default: this workstation's trail).
 * - verify: exit 0 with a summary when intact; 1 naming the first bad record and why.
 * - export: the records of an intact trail, filtered, as JSON lines or CSV.
 * - forward: sends a trail again to a SIEM (RFC 5424 over TLS), e.g. after an incident.
 * Never a stack trace: every failure is one line saying what and where.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { checkEd25519Signature, sha256Hex } from '../../adapters/audit/chain-crypto.js';
import { octetCounted, parseSiemUrl, sendConfirmed, syslogMessage } from '../../adapters/audit/syslog-tls.js';
import { readTrail } from '../../adapters/audit/trail-files.js';
import type { AuditRecord } from '../../core/audit.js';
import {
  isRecordLink,
  parseLink,
  verifyTrail,
  type ChainLink,
  type TrailFile,
  type TrailProblem,
  type TrailSummary,
  type TrailVerdict,
} from '../../core/audit-chain.js';
import type { CliIo } from '../cli.js';

export interface AuditCommandOptions {
  /** The trail read when no FILE is named (this workstation's). */
  readonly defaultTrail: () => string;
}

class AuditUsageError extends Error {}

function describeProblem(problem: TrailProblem): string {
  const what = [
    problem.pos !== null ? `chain position ${problem.pos}` : null,
    problem.recordId ? `record ${problem.recordId}` : null,
  ].filter(Boolean);
  return `${problem.file} line ${problem.line}${what.length > 0 ? ` (${what.join(', ')})` : ''}: ${problem.why}`;
}

function describeSummary(summary: TrailSummary): string[] {
  const lines = [
    `${summary.records} record${summary.records === 1 ? '' : 's'} in ${summary.files} file${summary.files === 1 ? '' : 's'}` +
      (summary.firstPos !== null ? `, chain positions ${summary.firstPos} to ${summary.lastPos}` : ''),
  ];
  if (summary.from) lines.push(`from ${summary.from} to ${summary.until}`);
  lines.push(
    `${summary.checkpoints} signed checkpoint${summary.checkpoints === 1 ? '' : 's'}` +
      (summary.signers.length > 0 ? ` (key ${summary.signers.join(', ')})` : ''),
  );
  if (summary.unsignedTail > 0)
    lines.push(`${summary.unsignedTail} records after the last checkpoint (chained, not yet signed)`);
  if (summary.startsMidChain) lines.push('starts mid-chain: it continues earlier files not given here');
  if (summary.clockWentBack > 0)
    lines.push(`the clock went back ${summary.clockWentBack} time(s) (the chain is unaffected)`);
  return lines;
}

async function loadTrail(paths: readonly string[], options: AuditCommandOptions): Promise<TrailFile[]> {
  const named = paths.length > 0 ? paths : [dirname(options.defaultTrail())];
  try {
    return await readTrail(named);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const path = (error as NodeJS.ErrnoException).path ?? named.join(' ');
    throw new Error(`${path}: cannot be read (${code ?? String(error)})`, { cause: error });
  }
}

function verdictOf(files: readonly TrailFile[], trusted: readonly string[]): TrailVerdict {
  return verifyTrail(files, {
    sha256: sha256Hex,
    checkSignature: checkEd25519Signature,
    trustedSigners: trusted,
  });
}

async function verify(args: readonly string[], io: CliIo, options: AuditCommandOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean', default: false }, key: { type: 'string', multiple: true } },
  });
  const files = await loadTrail(positionals, options);
  if (files.length === 0) throw new Error('no audit trail file there');
  const verdict = verdictOf(files, values.key ?? []);
  if (values.json) {
    io.out(JSON.stringify(verdict));
    return verdict.ok ? 0 : 1;
  }
  if (verdict.ok) {
    io.out('audit trail intact');
    for (const line of describeSummary(verdict.summary)) io.out(`  ${line}`);
    return 0;
  }
  io.err(`audit trail NOT intact: ${describeProblem(verdict.problem)}`);
  io.err(`  verified before it: ${describeSummary(verdict.summary)[0] ?? ''}`);
  return 1;
}

const CSV_COLUMNS = [
  'pos',
  'id',
  'time',
  'action',
  'outcome',
  'personId',
  'displayName',
  'nationalId',
  'workstation',
  'badgeKind',
  'badgeId',
  'method',
  'reason',
  'detail',
] as const;

/** RFC 4180 quoting, and no cell a spreadsheet would run as a formula (names come from cards and IdPs). */
function csvCell(value: unknown): string {
  // Strings as they are; numbers, booleans and the record's lists as JSON (never "[object Object]").
  let text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : (JSON.stringify(value) ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function parseTime(value: string | undefined, option: string): number | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new AuditUsageError(`${option} needs a date or time (ISO 8601), got "${value}"`);
  return time;
}

async function exportRecords(
  args: readonly string[],
  io: CliIo,
  options: AuditCommandOptions,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      person: { type: 'string' },
      'break-glass': { type: 'boolean', default: false },
      format: { type: 'string', default: 'json' },
    },
  });
  if (values.format !== 'json' && values.format !== 'csv')
    throw new AuditUsageError(`--format is json or csv, got "${values.format}"`);
  const since = parseTime(values.since, '--since');
  const until = parseTime(values.until, '--until');
  const files = await loadTrail(positionals, options);
  const verdict = verdictOf(files, []);
  if (!verdict.ok) {
    io.err(
      `releve audit export: the trail is not intact, nothing exported: ${describeProblem(verdict.problem)}`,
    );
    return 1;
  }
  const wanted = (record: AuditRecord): boolean => {
    const time = Date.parse(record.time);
    if (since !== null && time < since) return false;
    if (until !== null && time > until) return false;
    if (values.person && record.personId !== values.person && record.nationalId !== values.person)
      return false;
    if (values['break-glass'] && record.action !== 'break-glass' && record.method !== 'break-glass')
      return false;
    return true;
  };
  if (values.format === 'csv') io.out(CSV_COLUMNS.join(','));
  for (const link of linksOf(files)) {
    if (!isRecordLink(link) || !wanted(link.record)) continue;
    const row = { pos: link.pos, ...link.record };
    if (values.format === 'json') io.out(JSON.stringify(row));
    else io.out(CSV_COLUMNS.map((column) => csvCell((row as Record<string, unknown>)[column])).join(','));
  }
  return 0;
}

function* linksOf(files: readonly TrailFile[]): Generator<ChainLink> {
  for (const file of files) {
    for (const line of file.text.split('\n')) {
      if (!line) continue;
      const parsed = parseLink(line);
      if (parsed.ok) yield parsed.link;
    }
  }
}

async function forward(args: readonly string[], io: CliIo, options: AuditCommandOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { to: { type: 'string' }, 'ca-file': { type: 'string' } },
  });
  if (!values.to) throw new AuditUsageError('audit forward needs --to tls://HOST:PORT');
  let caPem: string | undefined;
  if (values['ca-file']) {
    try {
      caPem = await readFile(values['ca-file'], 'utf8');
    } catch (error) {
      throw new Error(
        `${values['ca-file']}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { cause: error },
      );
    }
  }
  const target = parseSiemUrl(values.to, caPem);
  if (!target) throw new AuditUsageError(`--to must be tls://HOST:PORT, got "${values.to}"`);
  const files = await loadTrail(positionals, options);
  const links = [...linksOf(files)];
  const verdict = verdictOf(files, []);
  if (!verdict.ok)
    io.err(
      `releve audit forward: warning: the trail is not intact (${describeProblem(verdict.problem)}); sending its whole records anyway`,
    );
  const batch = 2000;
  for (let start = 0; start < links.length; start += batch) {
    await sendConfirmed(
      target,
      links.slice(start, start + batch).map((link) => octetCounted(syslogMessage(link))),
    );
  }
  const first = links[0]?.pos;
  const last = links.at(-1)?.pos;
  io.out(
    `sent ${links.length} links to ${target.host}:${target.port}` +
      (first !== undefined ? ` (chain positions ${first} to ${last})` : ''),
  );
  return 0;
}

export const AUDIT_USAGE = `  audit verify [FILE|DIR...] [--key FINGERPRINT] [--json]
                          check a trail: exit 0 intact (with a summary), 1 naming the first bad record
  audit export [FILE|DIR...] [--since T] [--until T] [--person ID] [--break-glass] [--format json|csv]
                          the records of an intact trail, for review
  audit forward [FILE|DIR...] --to tls://HOST:PORT [--ca-file PEM]
                          send a trail again to the SIEM (RFC 5424 over TLS)`;

export async function auditCommand(
  args: readonly string[],
  io: CliIo,
  options: AuditCommandOptions,
): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'verify':
        return await verify(rest, io, options);
      case 'export':
        return await exportRecords(rest, io, options);
      case 'forward':
        return await forward(rest, io, options);
      default:
        throw new AuditUsageError(`unknown audit command: ${sub ?? '(none)'}`);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof AuditUsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`releve: ${(error as Error).message}`);
      io.err(`Usage:\n${AUDIT_USAGE}`);
      return 2;
    }
    io.err(`releve audit ${sub}: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}
