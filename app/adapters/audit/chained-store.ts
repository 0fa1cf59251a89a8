/**
 * The local audit trail: append-only, hash-chained, with signed checkpoints, durable before
 * `append` resolves. See app/core/audit-chain.ts for what a line is.
 *
 * - Group commit: records appended while a flush is under way are written together by the next
 *   one, so one transition's records cost one fdatasync, not one each.
 * - A failed write is undone (the file is cut back to its last whole record) and rejects: the
 *   agent then refuses the action. Nothing is swallowed, and the next append opens again.
 * - At open, a torn tail (a write cut by a crash or a full disk) is cut back to the last whole
 *   record; the bytes removed are kept beside the trail and the repair is itself recorded.
 * - A new file every UTC day (or past `maxFileBytes`); the chain runs on across files. Rotated
 *   files older than the retention period are deleted (never one not yet sent to the SIEM).
 * - The directory and file permissions are the caller's: the privileged service owns them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from '../../core/audit.js';
import {
  checkpointLink,
  checkpointMessage,
  EMPTY_CHAIN,
  linkHashMatches,
  parseLink,
  recordLink,
  serialiseLink,
  type ChainHead,
  type ChainLink,
  type Checkpoint,
  type CheckpointReason,
} from '../../core/audit-chain.js';
import type { AuditSink, DiagnosticLog } from '../../core/ports/index.js';
import { sha256Hex, type CheckpointKeySource } from './chain-crypto.js';
import { ACTIVE_FILE, firstLink, rotatedFileName, rotatedFirstPos, trailFilesIn } from './trail-files.js';

const DAY = 24 * 60 * 60 * 1000;

export interface ChainedAuditStoreOptions {
  /** The trail's directory (made with `directoryMode` when missing). */
  readonly directory: string;
  readonly directoryMode?: number;
  /** The active file's name in it (default `audit.jsonl`); rotated files are named after it. */
  readonly fileName?: string;
  readonly fileMode?: number;
  /** Named in the store's own records and checkpoints. */
  readonly workstation: string;
  readonly checkpointKey: CheckpointKeySource;
  readonly log: DiagnosticLog;
  /** Rotated files whose last write is older than this are deleted. */
  readonly retentionDays: number;
  /** A signed checkpoint after this many records (and at open, rotation and close). */
  readonly checkpointEvery?: number;
  readonly maxFileBytes?: number;
  /** Wall-clock time, for the store's own records and the day of a file. */
  readonly now?: () => number;
  /** The last chain position the SIEM has received, when a SIEM is configured: newer files are kept. */
  readonly forwardedUpTo?: () => number | null;
  /** Called after each flush with the new head (the SIEM forwarder's cue). */
  readonly onDurable?: (head: ChainHead) => void;
}

/** The trail cannot take a record: the agent refuses the action it describes. */
export class AuditTrailError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditTrailError';
  }
}

interface OpenTrail {
  handle: FileHandle;
  /** Bytes of the active file that hold whole links. */
  size: number;
  head: ChainHead;
  /** UTC day (YYYY-MM-DD) of the active file's first link; null while it is empty. */
  day: string | null;
  firstPos: number | null;
  /** Records since the last checkpoint. */
  sinceCheckpoint: number;
  /** A checkpoint owed (opened, rotated, closed), written with the next flush. */
  owedCheckpoint: CheckpointReason | null;
  /** The store's own record of a repair at open, written first. */
  repair: AuditRecord | null;
}

function linkTime(link: ChainLink): string {
  return 'record' in link ? link.record.time : link.checkpoint.time;
}

/** The last whole, self-consistent link of a file's bytes, and where it ends. */
function lastWholeLink(bytes: Buffer): { link: ChainLink | null; end: number } {
  let end = bytes.length;
  // Bytes after the last newline are a record cut short; before that, walk back over lines that
  // are not whole links (a torn write followed by zeros a crashed file system left).
  if (end > 0 && bytes[end - 1] !== 0x0a) end = bytes.lastIndexOf(0x0a, end - 1) + 1;
  while (end > 0) {
    const start = bytes.lastIndexOf(0x0a, end - 2) + 1;
    const parsed = parseLink(bytes.subarray(start, end - 1).toString('utf8'));
    if (parsed.ok && linkHashMatches(sha256Hex, parsed.link)) return { link: parsed.link, end };
    end = start;
  }
  return { link: null, end: 0 };
}

export class ChainedAuditStore implements AuditSink {
  private opened: Promise<OpenTrail> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private batch: { records: AuditRecord[]; flushed: Promise<void> } | null = null;
  private closing = false;
  private readonly now: () => number;
  private readonly activeFile: string;
  private readonly activePath: string;

  constructor(private readonly options: ChainedAuditStoreOptions) {
    this.now = options.now ?? Date.now;
    this.activeFile = options.fileName ?? ACTIVE_FILE;
    this.activePath = join(options.directory, this.activeFile);
  }

  append(record: AuditRecord): Promise<void> {
    if (this.closing) return Promise.reject(new AuditTrailError('the audit trail is closed'));
    if (this.batch) {
      this.batch.records.push(record);
      return this.batch.flushed;
    }
    const records = [record];
    // One flush at a time keeps lines whole and in order; the batch closes when its flush starts.
    const flushed = this.chain.then(() => {
      if (this.batch?.records === records) this.batch = null;
      return this.flush(records, null);
    });
    this.batch = { records, flushed };
    this.chain = flushed.catch(() => undefined);
    return flushed;
  }

  /** Seals the trail with a closing checkpoint (when it can) and closes the file. */
  async close(): Promise<void> {
    this.closing = true;
    await this.chain;
    if (!this.opened) return;
    const trail = await this.opened.catch(() => null);
    this.opened = null;
    if (!trail) return;
    try {
      await this.write(trail, [], 'closed');
    } catch (error) {
      this.options.log.error('audit trail: closing checkpoint not written', { error: String(error) });
    }
    await trail.handle.close().catch(() => undefined);
  }

  private trail(): Promise<OpenTrail> {
    this.opened ??= this.openTrail().catch((error: unknown) => {
      // Not cached: the next append tries again (a disk remounted, a directory made).
      this.opened = null;
      throw new AuditTrailError(`the audit trail cannot be opened (${describe(error)})`, { cause: error });
    });
    return this.opened;
  }

  private async openTrail(): Promise<OpenTrail> {
    const { directory } = this.options;
    await mkdir(directory, { recursive: true, mode: this.options.directoryMode ?? 0o700 });
    const handle = await open(this.activePath, 'a+', this.options.fileMode ?? 0o600);
    try {
      const bytes = await readFile(handle);
      const { link, end } = lastWholeLink(bytes);
      const first = firstLink(bytes.subarray(0, end).toString('utf8'));
      let repair: AuditRecord | null = null;
      if (end < bytes.length) {
        repair = await this.cutTornTail(handle, bytes, end, link);
      }
      const head = link ? { pos: link.pos, hash: link.hash } : await this.headOfRotated();
      await syncDirectory(directory);
      await this.applyRetention().catch((error: unknown) =>
        this.options.log.warn('audit trail: retention not applied', { error: describe(error) }),
      );
      return {
        handle,
        size: end,
        head,
        day: first ? linkTime(first).slice(0, 10) : null,
        firstPos: first?.pos ?? null,
        sinceCheckpoint: 0,
        owedCheckpoint: 'opened',
        repair,
      };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Keeps the torn bytes beside the trail, cuts them off, and says so in a record. */
  private async cutTornTail(
    handle: FileHandle,
    bytes: Buffer,
    end: number,
    last: ChainLink | null,
  ): Promise<AuditRecord> {
    const torn = bytes.subarray(end);
    const kept = join(this.options.directory, `audit.torn-${last?.pos ?? 0}-${this.now()}.bin`);
    await writeFile(kept, torn, { mode: this.options.fileMode ?? 0o600 });
    await handle.truncate(end);
    await handle.datasync();
    const where = last ? `after chain position ${last.pos}` : 'at the start of the file';
    this.options.log.warn('audit trail: a torn tail was cut back to the last whole record', {
      bytes: torn.length,
      after: last?.pos ?? 0,
      keptIn: kept,
    });
    return {
      id: randomUUID(),
      action: 'audit-trail-repaired',
      outcome: 'info',
      personId: null,
      displayName: null,
      nationalId: null,
      workstation: this.options.workstation,
      badgeKind: null,
      method: null,
      reason: 'torn-tail-cut',
      detail: `torn tail of ${torn.length} bytes ${where} cut off (sha256 ${sha256Hex(torn.toString('latin1'))}, kept in ${kept})`,
      time: new Date(this.now()).toISOString(),
    };
  }

  /** Where the chain stands when the active file is empty: the end of the last rotated file. */
  private async headOfRotated(): Promise<ChainHead> {
    const files = (await trailFilesIn(this.options.directory, this.activeFile)).filter(
      (f) => rotatedFirstPos(f, this.activeFile) !== null,
    );
    const last = files.at(-1);
    if (!last) return EMPTY_CHAIN;
    const { link } = lastWholeLink(await readFile(last));
    if (!link) throw new Error(`${last} holds no whole record: the chain cannot be resumed`);
    return { pos: link.pos, hash: link.hash };
  }

  private async flush(records: AuditRecord[], reason: CheckpointReason | null): Promise<void> {
    const trail = await this.trail();
    const tooBig = trail.size >= (this.options.maxFileBytes ?? 64 * 1024 * 1024);
    if (trail.day !== null && (this.today() !== trail.day || tooBig)) await this.rotate(trail);
    await this.write(trail, records, reason);
  }

  /** Writes links and makes them durable, or leaves the file as it was and rejects. */
  private async write(
    trail: OpenTrail,
    records: AuditRecord[],
    reason: CheckpointReason | null,
  ): Promise<void> {
    const links: ChainLink[] = [];
    let head = trail.head;
    let sinceCheckpoint = trail.sinceCheckpoint;
    const owed = reason ?? trail.owedCheckpoint;
    const addCheckpoint = async (why: CheckpointReason): Promise<boolean> => {
      const checkpoint = await this.checkpoint(head, why);
      if (!checkpoint) return false;
      const link = checkpointLink(sha256Hex, head, checkpoint);
      links.push(link);
      head = link;
      sinceCheckpoint = 0;
      return true;
    };
    const opened = owed === 'opened' && (await addCheckpoint('opened'));
    for (const record of [...(trail.repair ? [trail.repair] : []), ...records]) {
      const link = recordLink(sha256Hex, head, record);
      links.push(link);
      head = link;
      sinceCheckpoint += 1;
    }
    let owedAfter: CheckpointReason | null = owed === 'opened' && !opened ? owed : null;
    if (owed !== null && owed !== 'opened') {
      if (!(await addCheckpoint(owed))) owedAfter = owed;
    } else if (sinceCheckpoint >= (this.options.checkpointEvery ?? 256)) {
      await addCheckpoint('interval');
    }
    if (links.length === 0) return;
    const bytes = Buffer.from(links.map(serialiseLink).join(''), 'utf8');
    try {
      await writeAll(trail.handle, bytes);
      await trail.handle.datasync();
    } catch (error) {
      await this.undo(trail);
      throw new AuditTrailError(`the audit record cannot be made durable (${describe(error)})`, {
        cause: error,
      });
    }
    if (trail.firstPos === null) {
      trail.firstPos = trail.head.pos + 1;
      trail.day = this.today();
    }
    trail.size += bytes.length;
    trail.head = head;
    trail.sinceCheckpoint = sinceCheckpoint;
    trail.owedCheckpoint = owedAfter;
    trail.repair = null;
    this.options.onDurable?.(head);
  }

  /** The UTC day a file belongs to (by the store's clock, whatever the records say). */
  private today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  /** After a failed write: cut the file back to its whole records, and open afresh next time. */
  private async undo(trail: OpenTrail): Promise<void> {
    this.opened = null;
    try {
      await trail.handle.truncate(trail.size);
      await trail.handle.datasync();
    } catch (error) {
      // The next open finds the torn tail, cuts it and records that.
      this.options.log.error('audit trail: a failed write could not be undone', { error: describe(error) });
    }
    await trail.handle.close().catch(() => undefined);
  }

  /** A signed checkpoint after `head`, or null (logged) when the vault cannot give the key now. */
  private async checkpoint(head: ChainHead, reason: CheckpointReason): Promise<Checkpoint | null> {
    let key;
    try {
      key = await this.options.checkpointKey.key();
    } catch (error) {
      this.options.log.error('audit trail: the checkpoint key is not available; checkpoint postponed', {
        reason,
        error: describe(error),
      });
      return null;
    }
    const fields = {
      time: new Date(this.now()).toISOString(),
      workstation: this.options.workstation,
      reason,
      key: key.publicKey,
    };
    return { ...fields, signature: key.sign(checkpointMessage(head.pos + 1, head.hash, fields)) };
  }

  /** Seals the active file, gives it its rotated name, and starts an empty one. */
  private async rotate(trail: OpenTrail): Promise<void> {
    await this.write(trail, [], 'rotated');
    if (trail.firstPos === null) return;
    await trail.handle.close();
    await rename(
      this.activePath,
      join(this.options.directory, rotatedFileName(trail.firstPos, this.activeFile)),
    );
    trail.handle = await open(this.activePath, 'a+', this.options.fileMode ?? 0o600);
    await syncDirectory(this.options.directory);
    trail.size = 0;
    trail.day = null;
    trail.firstPos = null;
    await this.applyRetention().catch((error: unknown) =>
      this.options.log.warn('audit trail: retention not applied', { error: describe(error) }),
    );
  }

  /** Deletes rotated files past the retention period, once the SIEM has them (when there is one). */
  private async applyRetention(): Promise<void> {
    const files = await trailFilesIn(this.options.directory, this.activeFile);
    const forwarded = this.options.forwardedUpTo?.() ?? null;
    const limit = this.now() - this.options.retentionDays * DAY;
    for (const [index, file] of files.entries()) {
      if (rotatedFirstPos(file, this.activeFile) === null) continue;
      const next = files[index + 1];
      const nextFirst = next ? rotatedFirstPos(next, this.activeFile) : null;
      if (
        this.options.forwardedUpTo &&
        (forwarded === null || nextFirst === null || nextFirst - 1 > forwarded)
      )
        continue;
      if ((await stat(file)).mtimeMs >= limit) continue;
      await unlink(file);
      this.options.log.info('audit trail: a file past the retention period was deleted', { file });
    }
  }
}

/** write(2) may write part of a buffer (a disk filling up): go on until all of it is written. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('nothing written'), { code: 'EIO' });
    offset += bytesWritten;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ? `${code}: ${(error as Error).message}` : String(error);
}
