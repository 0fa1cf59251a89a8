/**
 * `releve readers [--json] [--watch]`: the badge readers this workstation sees and what is on
 * them (card present, ATR, the kind of badge the ATR says, the badge ID the agent would see),
 * through the same badge sources the agent uses. `--watch` prints every reader event until
 * interrupted.
 */
import { parseArgs } from 'node:util';
import { PcscBadgeSource } from '../../adapters/pcsc/pcsc-badge-source.js';
import { snapshotPcscReaders, type PcscReaderSnapshot } from '../../adapters/pcsc/reader-snapshot.js';
import type { BadgeSource, BadgeSourceEvent } from '../../core/ports/index.js';
import type { CliIo } from '../cli.js';
import { silentLog } from '../../adapters/log/winston-log.js';

export interface ListReadersOptions {
  readonly json?: boolean;
  readonly watch?: boolean;
  /** The badge sources to ask; default: the PC/SC source alone. */
  readonly sources?: () => readonly BadgeSource[];
  /** How long readers may report before they are listed. */
  readonly settleMs?: number;
  /** Ends `watch` (a signal). Default: never, until the process ends. */
  readonly until?: () => Promise<void>;
  /** Where the PC/SC snapshot (ATRs) comes from; tests may replace it. */
  readonly snapshot?: () => PcscReaderSnapshot[];
}

function describeEvent(event: BadgeSourceEvent): Record<string, unknown> {
  switch (event.type) {
    case 'badge-presented':
      return {
        event: 'badge',
        reader: event.badge.readerName,
        badgeId: event.badge.badgeId,
        kind: event.badge.kind,
        contact: event.badge.contact,
      };
    case 'badge-removed':
      return { event: 'removed', reader: event.readerName, badgeId: event.badgeId };
    case 'reader-added':
      return { event: 'reader', reader: event.reader.name, kind: event.reader.kind };
    case 'reader-lost':
      return { event: 'reader-lost', reader: event.readerName };
    case 'source-status':
      return { event: 'status', available: event.available, detail: event.detail };
  }
}

const asText = (fields: Record<string, unknown>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/**
 * Lists the readers (or, with `watch`, prints their events until `until` resolves). Exit code:
 * 0 when at least one reader is there, 1 when none (no smart-card service, no reader plugged).
 */
export async function listReaders(options: ListReadersOptions, out: (line: string) => void): Promise<number> {
  const sources = options.sources?.() ?? [new PcscBadgeSource({ log: silentLog })];
  const seen: BadgeSourceEvent[] = [];
  const print = (event: BadgeSourceEvent): void => {
    const fields = describeEvent(event);
    out(options.json ? JSON.stringify(fields) : asText(fields));
  };
  await Promise.all(
    sources.map((source) => source.start((event) => (options.watch ? print(event) : seen.push(event)))),
  );
  try {
    if (options.watch) {
      await (options.until?.() ?? new Promise<void>(() => undefined));
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1500));
    let snapshot: PcscReaderSnapshot[] = [];
    try {
      snapshot = (options.snapshot ?? snapshotPcscReaders)();
    } catch {
      // The badge source says why below (source-status).
    }
    const readers = sources.flatMap((source) => source.readers());
    const badges = new Map<string, Extract<BadgeSourceEvent, { type: 'badge-presented' }>['badge']>();
    for (const event of seen) {
      if (event.type === 'badge-presented') badges.set(event.badge.readerName, event.badge);
      if (event.type === 'badge-removed') badges.delete(event.readerName);
    }
    const problems = seen.flatMap((e) => (e.type === 'source-status' && !e.available ? [e.detail] : []));
    const notes = seen.flatMap((e) =>
      e.type === 'source-status' && e.available && /badge/.test(e.detail) ? [e.detail] : [],
    );
    const list = readers.map((reader) => {
      const badge = badges.get(reader.name) ?? null;
      const pcsc = snapshot.find((s) => s.name === reader.name);
      return {
        name: reader.name,
        kind: reader.kind,
        cardPresent: pcsc?.cardPresent ?? reader.cardPresent,
        atr: pcsc?.atr ?? null,
        /** What the ATR says: cps-card, rfid, or null (none, or not a badge). */
        cardKind: pcsc?.card?.badgeKind ?? null,
        cardDescription: pcsc?.card?.description ?? null,
        badge: badge ? { badgeId: badge.badgeId, kind: badge.kind, contact: badge.contact } : null,
      };
    });
    if (options.json) {
      out(JSON.stringify({ readers: list, problems, notes }));
    } else {
      if (list.length === 0) {
        if (problems.length) out(`no reader: ${problems.at(-1)!}`);
        else
          out(
            'no reader found: plug a badge reader in (and check it is listed by pcsc_scan or the device manager)',
          );
      }
      for (const reader of list) {
        const what = reader.badge
          ? `badge ${reader.badge.badgeId} [${reader.badge.kind}]`
          : reader.cardPresent
            ? 'card present'
            : 'empty';
        const atr = reader.atr ? `  ATR ${reader.atr} (${reader.cardDescription ?? 'unknown'})` : '';
        out(`${reader.name}  (${reader.kind})  ${what}${atr}`);
      }
      for (const note of notes) out(`  note: ${note}`);
    }
    return list.length === 0 ? 1 : 0;
  } finally {
    await Promise.all(sources.map((source) => source.stop()));
  }
}

export interface ReadersOptions {
  readonly sources: () => readonly BadgeSource[];
  /** How long to let readers report before listing them. */
  readonly settleMs?: number;
  /** Resolves when --watch should end (a signal). */
  readonly untilSignal: () => Promise<void>;
}

/** The `releve readers` command line: parses its arguments, then `listReaders`. */
export async function readersCommand(
  args: readonly string[],
  io: CliIo,
  options: ReadersOptions,
): Promise<number> {
  let values: { json: boolean; watch: boolean };
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      options: { json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false } },
    }).values;
  } catch (error) {
    io.err(`releve readers [--json] [--watch]: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  return listReaders(
    {
      json: values.json,
      watch: values.watch,
      sources: options.sources,
      until: options.untilSignal,
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    },
    (line) => io.out(line),
  );
}
