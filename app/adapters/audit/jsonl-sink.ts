import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AuditRecord } from '../../core/audit.js';
import type { AuditSink } from '../../core/ports/index.js';

/**
 * The local audit trail for now: one JSON object per line, appended and flushed to disk
 * (fdatasync) before `append` resolves, so a record is durable before the action it describes.
 * Records appended while a flush is under way are written together by the next one (group
 * commit): one sign-in's records cost one fdatasync, not one each. Hash chaining, signed
 * checkpoints and SIEM forwarding come with the traceability issue.
 */
export class JsonLinesAuditSink implements AuditSink {
  private handle: Promise<FileHandle> | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Lines waiting for the next flush, and that flush (shared by everything in it). */
  private batch: { lines: string[]; flushed: Promise<void> } | null = null;

  constructor(private readonly path: string) {}

  private file(): Promise<FileHandle> {
    this.handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a', 0o600));
    return this.handle;
  }

  append(record: AuditRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    if (this.batch) {
      this.batch.lines.push(line);
      return this.batch.flushed;
    }
    const lines = [line];
    // One flush at a time keeps lines whole and in order; the batch closes when its flush starts.
    const flushed = this.chain.then(async () => {
      if (this.batch?.lines === lines) this.batch = null;
      const file = await this.file();
      await file.appendFile(lines.join(''), 'utf8');
      await file.datasync();
    });
    this.batch = { lines, flushed };
    this.chain = flushed.catch(() => undefined);
    return flushed;
  }

  async close(): Promise<void> {
    await this.chain;
    if (this.handle) await (await this.handle).close();
    this.handle = null;
  }
}
