import type { AuditRecord } from '../audit.js';

/**
 * Where audit records go. Contract:
 * - `append` resolves only once the record is durable (the action it describes waits for it).
 * - Records are never rewritten or removed; order is preserved.
 * - A failure rejects: the agent then refuses the action rather than act untraced.
 */
export interface AuditSink {
  append(record: AuditRecord): Promise<void>;
}
