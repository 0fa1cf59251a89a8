import type { AuditRecord } from '../../../app/core/audit.js';
import type { AuditSink, SecretStore } from '../../../app/core/ports/index.js';

export class MemorySecretStore implements SecretStore {
  readonly entries = new Map<string, string>();
  async get(account: string): Promise<string | null> {
    return this.entries.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.entries.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}

export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  async append(record: AuditRecord): Promise<void> {
    this.records.push(record);
  }
}
