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
  'policy-changed',
  'agent-started',
  'agent-stopped',
  // Enterprise SSO: a login filled, a credential captured with consent, a password changed, an
  // application's switch action, a profile that no longer recognises its application.
  'esso-fill',
  'esso-capture',
  'esso-password-change',
  'esso-switch',
  'esso-profile-stale',
  'pin-cooldown',
  'audit-trail-repaired',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Why a record was made: a closed list, so that the security officer's queries and the SIEM's
 * rules can rely on the words. Free text (a justification, a policy problem) goes in `detail`.
 */
export const AUDIT_REASONS = [
  // How a session was entered
  'tap-in',
  'tap-over',
  'ecps-tap-in',
  'ecps-tap-over',
  'grace-re-tap',
  'grace-tap-over',
  'undo',
  'no-national-id',
  // Why a session was locked, suspended or closed, or a grace ended
  'tap-out',
  'inactivity',
  'manual-lock',
  'power-suspend',
  'card-removed',
  'shift-end',
  'revoked',
  'sign-in-expired',
  'other-person-tap-in',
  'too-many-suspended',
  'suspended-too-long',
  'break-glass',
  'break-glass-ended',
  'break-glass-expired',
  'audit-unavailable',
  // Why a sign-in failed or was abandoned
  'wrong-pin',
  'too-many-attempts',
  'pin-cooldown',
  'card-blocked',
  'card-error',
  'unknown-badge',
  'badge-unreadable',
  'idp-unreachable',
  'idp-error',
  'timeout',
  'pin-entry-timeout',
  'pin-cancelled',
  'reader-lost',
  // os-lock: a tap that is not the OS session's owner's (their own session, or refused)
  'os-session-own',
  'os-session-not-owner',
  // e-CPS
  'ecps-requested',
  'ecps-requested-over',
  'ecps-rate-limited',
  'ecps-cancelled',
  'ecps-timeout',
  'ecps-denied',
  'ecps-expired',
  'ecps-person-mismatch',
  'unknown-national-id',
  'badge-presented',
  'unexpected-idp-answer',
  // Break-glass
  'break-glass-requested',
  'break-glass-disabled',
  'break-glass-rate-limited',
  // Enterprise SSO (the application and screen are fields of their own; `detail` says more)
  'filled',
  'accepted',
  'stored',
  'deleted-by-person',
  'rejected-by-application',
  'vault-unavailable',
  'left-to-person',
  'no-screen-matches',
  'fill-failed',
  'switch-done',
  'switch-failed',
  // Policy changed live, or a change refused
  'policy-changed',
  'policy-change-refused',
  // The audit trail itself: a torn tail (a write cut by a crash) cut back to the last whole record
  'torn-tail-cut',
  // The agent itself
  'start',
  'stop',
  'policy-invalid',
] as const;
export type AuditReason = (typeof AUDIT_REASONS)[number];

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
  readonly reason: AuditReason;
  /**
   * Free text the reason needs: a break-glass justification (sanitised), a policy problem, the
   * mode the agent started in. Never a secret.
   */
  readonly detail?: string;
  /**
   * How the IdP says the person authenticated (its `amr` and `acr` claims), on a successful
   * sign-in when it says: the proof that the access had a second factor.
   */
  readonly amr?: readonly string[];
  readonly acr?: string | null;
  /** eSSO records: the application profile and the screen acted on (never a credential). */
  readonly application?: string;
  readonly screen?: string;
  /** ISO 8601, UTC. */
  readonly time: string;
}

export interface AuditRecord extends AuditDraft {
  /** Unique record ID, stamped by the agent. */
  readonly id: string;
}
