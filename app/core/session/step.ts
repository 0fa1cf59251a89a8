/**
 * What every part of the session machine builds on: one transition's effects (`Step`), and the
 * small helpers that move between phases.
 */
import type { AuditAction, AuditDraft, AuditOutcome, AuditReason } from '../audit.js';
import type { AuthMethod, Person } from '../identity.js';
import type { MessageKey, MessageParams } from '../messages.js';
import type { Policy } from '../policy.js';
import { type Effect, type Phase, type SessionState, type SessionUser, type Transition } from './types.js';

export const SECOND = 1000;

export const MINUTE = 60 * SECOND;

/** The phases where someone works at the workstation. */
export type ActivePhase = Extract<Phase, { kind: 'active' | 'offline-active' | 'break-glass' }>;

export type EcpsPhase = Extract<Phase, { kind: 'ecps-waiting' }>;

/** Collects the effects of one transition; local mutation only, the function stays pure. */
export class Step {
  readonly effects: Effect[] = [];
  constructor(
    readonly policy: Policy,
    /** Deadline time (monotonic): windows, prompts, grace, cooldowns. */
    readonly now: number,
    /** Wall time: only for the audit records' timestamps. */
    readonly wallNow: number = now,
  ) {}

  feedback(message: MessageKey, params: MessageParams = {}): void {
    this.effects.push({ type: 'feedback', message, params });
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  audit(
    action: AuditAction,
    outcome: AuditOutcome,
    reason: AuditReason,
    who: {
      /** Free text the reason needs (a justification); never a secret. */
      detail?: string;
      person?: Person | null;
      badgeKind?: AuditDraft['badgeKind'];
      /**
       * The badge presented, on an attempt: failed attempts name the badge even when the person
       * is not known, so that a series of wrong PINs on one badge is visible.
       */
      badgeId?: string | null;
      method?: AuthMethod | null;
      /** The national ID asked for, when the person is not known yet (e-CPS). */
      nationalId?: string | null;
      /** The IdP's account of the authentication, on a sign-in. */
      amr?: readonly string[];
      acr?: string | null;
    } = {},
  ): void {
    const record: AuditDraft = {
      action,
      outcome,
      personId: who.person?.personId ?? null,
      displayName: who.person?.displayName ?? null,
      nationalId: who.person?.nationalId ?? who.nationalId ?? null,
      workstation: this.policy.workstationName,
      badgeKind: who.badgeKind ?? null,
      ...(who.badgeId ? { badgeId: who.badgeId } : {}),
      method: who.method ?? null,
      reason,
      ...(who.detail === undefined ? {} : { detail: who.detail }),
      time: new Date(this.wallNow).toISOString(),
      ...(who.amr && who.amr.length > 0 ? { amr: who.amr } : {}),
      ...(who.acr ? { acr: who.acr } : {}),
    };
    this.effects.push({ type: 'audit', record });
  }

  done(state: SessionState): Transition {
    return { state, effects: this.effects };
  }
}

export const unchanged = (state: SessionState): Transition => ({ state, effects: [] });

/** The phase of a person back at work (online or offline as they signed in). */
export function activePhase(user: SessionUser): Extract<Phase, { kind: 'active' | 'offline-active' }> {
  return user.offline ? { kind: 'offline-active', user } : { kind: 'active', user };
}

export function withPhase(state: SessionState, phase: Phase): SessionState {
  return { ...state, phase };
}
