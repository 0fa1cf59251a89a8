/**
 * Audit records: the security officer's proof of who accessed what. The state machine produces
 * drafts as effects; the agent stamps each with a unique ID and writes it to the audit sink
 * before the action it describes completes. No PIN, token or secret has a field here.
 */
import type { AuthMethod, BadgeKind } from './identity.js';

export const AUDIT_ACTIONS = [
  'authentication',
  'session-opened',
  'session-resumed',
  'session-suspended',
  'session-locked',
  'session-closed',
  'tap-out-undone',
  'grace-ended',
  'break-glass',
  'policy-fallback',
  'agent-started',
  'agent-stopped',
  'audit-trail-repaired',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'cancelled', 'info'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditDraft {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** Local identifier of the person, when known. */
  readonly personId: string | null;
  readonly displayName: string | null;
  /** National ID (RPPS/ADELI); null when unknown or when the account has no national link. */
  readonly nationalId: string | null;
  readonly workstation: string;
  readonly badgeKind: BadgeKind | null;
  /**
   * The badge's canonical ID (card serial or upper-case hex UID) on sign-in attempts, so that a
   * series of wrong PINs on one badge is visible even when the person is not known.
   */
  readonly badgeId?: string | null;
  readonly method: AuthMethod | null;
  /** Why: tap-in, tap-over, wrong-pin, shift-end, inactivity, ... */
  readonly reason: string;
  /**
   * How the IdP says the person authenticated (its `amr` and `acr` claims), on a successful
   * sign-in when it says: the proof that the access had a second factor.
   */
  readonly amr?: readonly string[];
  readonly acr?: string | null;
  /** ISO 8601, UTC. */
  readonly time: string;
}

export interface AuditRecord extends AuditDraft {
  /** Unique record ID, stamped by the agent. */
  readonly id: string;
}
