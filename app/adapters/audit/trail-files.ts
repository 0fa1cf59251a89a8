/**
 * Where a trail sits on disk: one directory holding the active file (`audit.jsonl` unless told
 * otherwise) and the rotated ones, `audit-<first chain position, 12 digits>.jsonl`, so that
 * names sort in chain order.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseLink, type ChainLink, type TrailFile } from '../../core/audit-chain.js';

export const ACTIVE_FILE = 'audit.jsonl';

const stem = (activeFile: string): string => activeFile.replace(/\.jsonl$/, '');

export function rotatedFileName(firstPos: number, activeFile = ACTIVE_FILE): string {
  return `${stem(activeFile)}-${String(firstPos).padStart(12, '0')}.jsonl`;
}

/** The first chain position a rotated file's name gives, or null for another file. */
export function rotatedFirstPos(name: string, activeFile = ACTIVE_FILE): number | null {
  const base = basename(name);
  const prefix = `${stem(activeFile)}-`;
  if (!base.startsWith(prefix)) return null;
  const match = /^(\d{12})\.jsonl$/.exec(base.slice(prefix.length));
  return match?.[1] ? Number(match[1]) : null;
}

/** The trail files of a directory, in chain order (rotated ones first, the active one last). */
export async function trailFilesIn(directory: string, activeFile = ACTIVE_FILE): Promise<string[]> {
  const names = await readdir(directory);
  const rotated = names
    .filter((name) => rotatedFirstPos(name, activeFile) !== null)
    .sort()
    .map((name) => join(directory, name));
  return names.includes(activeFile) ? [...rotated, join(directory, activeFile)] : rotated;
}

/** The first link of a text, when its first line is one. */
export function firstLink(text: string): ChainLink | null {
  const end = text.indexOf('\n');
  const parsed = parseLink(end < 0 ? text : text.slice(0, end));
  return parsed.ok ? parsed.link : null;
}

/**
 * Reads what the command line names (files, or directories holding a trail) in chain order:
 * files sorted by their first chain position, whatever order they were given in.
 */
export async function readTrail(paths: readonly string[]): Promise<TrailFile[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) files.push(...(await trailFilesIn(path)));
    else files.push(path);
  }
  const read = await Promise.all(files.map(async (name) => ({ name, text: await readFile(name, 'utf8') })));
  const order = (file: TrailFile): number => firstLink(file.text)?.pos ?? Number.MAX_SAFE_INTEGER;
  return read.sort((a, b) => order(a) - order(b));
}
