import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AuditRecord } from '../../core/audit.js';
import type { AuditSink } from '../../core/ports/index.js';

/**
 * The local audit trail for now: one JSON object per line, appended and flushed to disk
 * (fdatasync) before `append` resolves, so a record is durable before the action it describes.
 * Hash chaining, signed checkpoints and SIEM forwarding come with the traceability issue.
 */
export class JsonLinesAuditSink implements AuditSink {
  private handle: Promise<FileHandle> | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  private file(): Promise<FileHandle> {
    this.handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a', 0o600));
    return this.handle;
  }

  append(record: AuditRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    // One write at a time keeps lines whole and in order.
    const write = this.chain.then(async () => {
      const file = await this.file();
      await file.appendFile(line, 'utf8');
      await file.datasync();
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.chain;
    if (this.handle) await (await this.handle).close();
    this.handle = null;
  }
}
