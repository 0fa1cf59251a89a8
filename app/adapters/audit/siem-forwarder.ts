/**
 * Forwards the audit trail to the SIEM. The trail itself is the queue: a cursor file beside it
 * (`siem-cursor.json`, the last chain position the SIEM confirmed) says where to go on from, so
 * a SIEM down for days, or an agent restarted or killed, loses nothing and keeps the order. The
 * cursor moves only after the receiver confirmed a batch (see sendConfirmed), so the SIEM may see
 * a batch twice after a failure, never miss one; it de-duplicates by chain position.
 */
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLink, type ChainLink } from '../../core/audit-chain.js';
import type { DiagnosticLog } from '../../core/ports/index.js';
import { octetCounted, sendConfirmed, syslogMessage, type SiemTarget } from './syslog-tls.js';
import { ACTIVE_FILE, firstLink, rotatedFirstPos, trailFilesIn } from './trail-files.js';

export const CURSOR_FILE = 'siem-cursor.json';

export interface SiemForwarderOptions {
  readonly directory: string;
  readonly fileName?: string;
  readonly target: SiemTarget;
  readonly log: DiagnosticLog;
  /** Links per confirmed connection. */
  readonly batchSize?: number;
  /** First wait after a failure; it doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly timeoutMs?: number;
}

/** Where reading stopped: a file (known by its first chain position), a byte offset, the last position read. */
interface ReadMark {
  readonly firstPos: number;
  readonly offset: number;
  readonly lastPos: number;
}

/**
 * Reads the links after a chain position from a trail directory, in order, a batch at a time,
 * remembering where it stopped so that a long queue is read once, not once per batch.
 */
export class TrailReader {
  private mark: ReadMark | null = null;

  constructor(
    private readonly directory: string,
    private readonly fileName = ACTIVE_FILE,
  ) {}

  /** Up to `max` whole links with a position above `after`. */
  async linksAfter(after: number, max: number): Promise<ChainLink[]> {
    const files = await this.filesWithFirstPos();
    const links: ChainLink[] = [];
    for (const [index, file] of files.entries()) {
      const next = files[index + 1];
      if (next && next.firstPos <= after + 1) continue;
      // Go on from the mark only when it stands exactly at `after` (not after a batch that failed).
      const mark = this.mark;
      let start = mark?.firstPos === file.firstPos && mark.lastPos === after ? mark.offset : 0;
      let lastPos = start === 0 ? file.firstPos - 1 : after;
      for (;;) {
        const { bytes, complete } = await readFrom(file.path, start);
        let offset = 0;
        while (links.length < max) {
          const end = bytes.indexOf(0x0a, offset);
          if (end < 0) break;
          const parsed = parseLink(bytes.subarray(offset, end).toString('utf8'));
          offset = end + 1;
          if (!parsed.ok) continue;
          lastPos = parsed.link.pos;
          if (parsed.link.pos > after) links.push(parsed.link);
        }
        start += offset;
        this.mark = { firstPos: file.firstPos, offset: start, lastPos };
        if (links.length >= max) return links;
        if (complete) break;
        // Part of the file is unread: hand over what there is, or read on past what was sent already.
        if (links.length > 0) return links;
        if (offset === 0) throw new Error(`${file.path}: a line longer than ${READ_CHUNK} bytes`);
      }
    }
    return links;
  }

  private async filesWithFirstPos(): Promise<{ path: string; firstPos: number }[]> {
    const paths = await trailFilesIn(this.directory, this.fileName).catch(() => []);
    const files: { path: string; firstPos: number }[] = [];
    for (const path of paths) {
      const named = rotatedFirstPos(path, this.fileName);
      if (named !== null) {
        files.push({ path, firstPos: named });
        continue;
      }
      // The active file: its first position is that of its first line.
      const handle = await open(path, 'r');
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
        const first = firstLink(buffer.subarray(0, bytesRead).toString('utf8'));
        if (first) files.push({ path, firstPos: first.pos });
      } finally {
        await handle.close();
      }
    }
    return files;
  }
}

/** Bytes read at most at once: a long queue is read in parts, never all again for each batch. */
const READ_CHUNK = 8 * 1024 * 1024;

/** A file's bytes from `offset` on, at most READ_CHUNK of them; `complete` when they reach its end. */
async function readFrom(path: string, offset: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return { bytes: Buffer.alloc(0), complete: true };
    const buffer = Buffer.alloc(Math.min(size - offset, READ_CHUNK));
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { bytes: buffer.subarray(0, read), complete: offset + read >= size };
  } finally {
    await handle.close();
  }
}

export class SiemForwarder {
  private cursor = 0;
  private loaded: Promise<void> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private exclusive: Promise<void> = Promise.resolve();
  private readonly reader: TrailReader;
  private readonly cursorPath: string;

  constructor(private readonly options: SiemForwarderOptions) {
    this.reader = new TrailReader(options.directory, options.fileName);
    this.cursorPath = join(options.directory, CURSOR_FILE);
  }

  /** The last chain position the SIEM confirmed (null before the cursor is read). */
  forwardedUpTo(): number | null {
    return this.loaded ? this.cursor : null;
  }

  /** Something new is in the trail (or the forwarder starts): send what the SIEM lacks. */
  notify(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retryTimer) return; // a retry is already planned
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.retryTimer) {
        this.again = false;
        this.notify();
      }
    });
  }

  /**
   * Resolves once everything in the trail now has been confirmed (or rejects with why not).
   * One at a time: a flush asked for while the forwarder's own is under way waits for it.
   */
  flush(): Promise<void> {
    const run = this.exclusive.then(() => this.flushNow());
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    await this.load();
    for (;;) {
      const links = await this.reader.linksAfter(this.cursor, this.options.batchSize ?? 10_000);
      if (links.length === 0) return;
      await this.send(links);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.running;
  }

  private load(): Promise<void> {
    this.loaded ??= readFile(this.cursorPath, 'utf8').then(
      (text) => {
        const parsed = JSON.parse(text) as { pos?: unknown };
        if (typeof parsed.pos !== 'number' || !Number.isSafeInteger(parsed.pos) || parsed.pos < 0)
          throw new Error(`${this.cursorPath} holds no chain position`);
        this.cursor = parsed.pos;
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
    this.loaded.catch(() => {
      this.loaded = null;
    });
    return this.loaded;
  }

  private async drain(): Promise<void> {
    try {
      await this.flush();
      if (this.failures > 0)
        this.options.log.info('SIEM reachable again; the audit queue is sent', { upTo: this.cursor });
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      const wait = Math.min(
        (this.options.retryMs ?? 1000) * 2 ** Math.min(this.failures - 1, 16),
        this.options.maxRetryMs ?? 60_000,
      );
      // Once per outage at warn level; the retries after it at debug, so days down do not flood the log.
      const { log } = this.options;
      (this.failures === 1 ? log.warn.bind(log) : log.debug.bind(log))(
        'SIEM not reachable; audit records stay queued in the trail',
        { error: String((error as Error).message ?? error), queuedAfter: this.cursor, retryInMs: wait },
      );
      if (!this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.notify();
        }, wait);
        this.retryTimer.unref();
      }
    }
  }

  private async send(links: readonly ChainLink[]): Promise<void> {
    await sendConfirmed(
      this.options.target,
      links.map((link) => octetCounted(syslogMessage(link))),
      this.options.timeoutMs,
    );
    const last = links.at(-1) as ChainLink;
    await this.saveCursor(last.pos);
  }

  /** Written aside, synced, then renamed over: a crash leaves the old cursor or the new one. */
  private async saveCursor(pos: number): Promise<void> {
    const temporary = `${this.cursorPath}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ pos })}\n`, { mode: 0o600 });
    const handle = await open(temporary, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.cursorPath);
    this.cursor = pos;
  }
}
