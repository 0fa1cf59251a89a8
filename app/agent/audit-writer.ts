/**
 * Writes audit records: stamped with an ID, made durable by the sink, then published. A record
 * that cannot be made durable is reported to the caller, which refuses any access it was to
 * record (the trail fails closed); locks and closes go through all the same.
 */
import type { AuditAction, AuditDraft, AuditReason, AuditRecord } from '../core/audit.js';
import type { AgentContext } from './context.js';

/** Resolves true once the record is durable, false when the sink refused it. Never rejects. */
export async function writeAudit(context: AgentContext, draft: AuditDraft): Promise<boolean> {
  const { adapters } = context;
  const record: AuditRecord = { ...draft, id: adapters.newId() };
  let durable = true;
  try {
    await adapters.audit.append(record);
  } catch (error) {
    durable = false;
    adapters.log.error('audit append failed', {
      error: String(error),
      action: record.action,
      reason: record.reason,
    });
  }
  context.emit({ type: 'audit', record });
  return durable;
}

/** A record about the agent itself, not about a person. */
export const writeSystemAudit = (
  context: AgentContext,
  action: AuditAction,
  reason: AuditReason,
  detail?: string,
): Promise<boolean> =>
  writeAudit(context, {
    action,
    outcome: 'info',
    personId: null,
    displayName: null,
    nationalId: null,
    workstation: context.policy.workstationName,
    badgeKind: null,
    method: null,
    reason,
    ...(detail === undefined ? {} : { detail }),
    time: new Date(context.adapters.clock.now()).toISOString(),
  });
