/**
 * `releve readers [--json] [--watch]`: the badge readers this workstation sees and what is on
 * them, through the same badge sources the agent uses.
 */
import { parseArgs } from 'node:util';
import type { BadgeSource, BadgeSourceEvent } from '../../core/ports/index.js';
import type { CliIo } from '../cli.js';

export interface ReadersOptions {
  readonly sources: () => readonly BadgeSource[];
  /** How long to let readers report before listing them. */
  readonly settleMs?: number;
  /** Resolves when --watch should end (a signal). */
  readonly untilSignal: () => Promise<void>;
}

function describe(event: BadgeSourceEvent): Record<string, unknown> {
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

export async function readersCommand(
  args: readonly string[],
  io: CliIo,
  options: ReadersOptions,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: { json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false } },
  });
  const sources = options.sources();
  const seen: BadgeSourceEvent[] = [];
  const print = (event: BadgeSourceEvent): void => {
    const fields = describe(event);
    io.out(
      values.json
        ? JSON.stringify(fields)
        : Object.entries(fields)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' '),
    );
  };
  await Promise.all(
    sources.map((source) => source.start((event) => (values.watch ? print(event) : seen.push(event)))),
  );
  try {
    if (values.watch) {
      await options.untilSignal();
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1500));
    const readers = sources.flatMap((source) => source.readers());
    const badges = new Map<string, BadgeSourceEvent & { type: 'badge-presented' }>();
    for (const event of seen) {
      if (event.type === 'badge-presented') badges.set(event.badge.readerName, event);
      if (event.type === 'badge-removed') badges.delete(event.readerName);
    }
    const problems = seen.flatMap((e) => (e.type === 'source-status' && !e.available ? [e.detail] : []));
    const notes = seen.flatMap((e) =>
      e.type === 'source-status' && e.available && /unknown|not read|not supported/.test(e.detail)
        ? [e.detail]
        : [],
    );
    const list = readers.map((reader) => {
      const badge = badges.get(reader.name)?.badge ?? null;
      return {
        name: reader.name,
        kind: reader.kind,
        cardPresent: reader.cardPresent,
        badge: badge ? { badgeId: badge.badgeId, kind: badge.kind, contact: badge.contact } : null,
      };
    });
    if (values.json) {
      io.out(JSON.stringify({ readers: list, problems, notes }));
    } else {
      if (list.length === 0) io.out(problems.length ? `no reader: ${problems.at(-1)}` : 'no reader found');
      for (const reader of list) {
        io.out(
          `${reader.name}  (${reader.kind})  ${reader.badge ? `badge ${reader.badge.badgeId} [${reader.badge.kind}]` : reader.cardPresent ? 'card present' : 'empty'}`,
        );
      }
      for (const note of notes) io.out(`  note: ${note}`);
    }
    return list.length === 0 ? 1 : 0;
  } finally {
    await Promise.all(sources.map((source) => source.stop()));
  }
}
