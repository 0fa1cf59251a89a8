/** Representative states and events for the session machine's tests. */
import type { BadgePresentation, Person } from '../../../../app/core/identity.js';
import { DEFAULT_POLICY, type Policy } from '../../../../app/core/policy.js';
import { foregroundUser, transition } from '../../../../app/core/session/machine.js';
import {
  INITIAL_STATE,
  type AuthOutcome,
  type Effect,
  type EffectType,
  type Interaction,
  type PhaseKind,
  type SessionEvent,
  type SessionEventType,
  type SessionState,
  type SessionUser,
} from '../../../../app/core/session/types.js';
import { AIDE, DOCTOR, NURSE, personOnly } from '../../../harness/people.js';

export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
export const POLICY: Policy = { ...DEFAULT_POLICY, workstationName: 'WS-TEST', shiftBoundaries: [] };

export const nurse: Person = personOnly(NURSE);
export const doctor: Person = personOnly(DOCTOR);
export const aide: Person = personOnly(AIDE);

export const READER = 'Reader A';
export const badge = (
  badgeId: string,
  contact = false,
  kind: BadgePresentation['kind'] = 'rfid',
): BadgePresentation => ({
  badgeId,
  kind: contact ? 'cps-card' : kind,
  readerName: READER,
  contact,
});

export const nurseBadge = badge(NURSE.badgeUid);
export const doctorBadge = badge(DOCTOR.badgeUid);
export const aideBadge = badge(AIDE.badgeUid);
/** The nurse's CPS card in a contact reader. */
export const nurseCard = badge('80250000012345', true);
export const doctorCard = badge('80250000067890', true);

/** What an e-CPS interaction carries in place of a badge. */
export const ecpsBadge = (nationalId: string): BadgePresentation => ({
  badgeId: `ecps:${nationalId}`,
  kind: 'ecps',
  readerName: 'e-CPS',
  contact: false,
});

export function userOf(
  person: Person,
  from: BadgePresentation,
  extra: Partial<SessionUser> = {},
): SessionUser {
  return {
    ...person,
    badgeId: from.badgeId,
    badgeKind: from.kind,
    readerName: from.readerName,
    contactCard: from.contact,
    method: from.kind === 'cps-card' ? 'card-pin' : 'badge-pin',
    fullAuthAt: T0 - 60_000,
    offline: false,
    ...extra,
  };
}

const interaction = (over: SessionUser | null, person: Person | null = null): Interaction => ({
  attemptId: 7,
  badge: doctorCard,
  person,
  pinTriesLeft: person ? 3 : null,
  wrongPins: 0,
  over,
  deadline: T0 + 15_000,
});

const nurseUser = userOf(nurse, nurseCard);

/**
 * One representative state per phase. Interactions concern the doctor's contact card (attempt
 * 7); active phases belong to the nurse on her contact card.
 */
export function stateIn(kind: PhaseKind): SessionState {
  const base: SessionState = { ...INITIAL_STATE, nextAttemptId: 8 };
  switch (kind) {
    case 'locked':
      return base;
    case 'identifying':
      return { ...base, phase: { kind, interaction: interaction(null) } };
    case 'switching':
      return { ...base, phase: { kind, interaction: interaction(nurseUser) } };
    case 'awaiting-pin':
      return { ...base, phase: { kind, interaction: interaction(null, doctor) } };
    case 'authenticating':
      return { ...base, phase: { kind, interaction: interaction(null, doctor) } };
    case 'ecps-waiting':
      return {
        ...base,
        phase: {
          kind,
          interaction: { ...interaction(null), badge: ecpsBadge(DOCTOR.nationalId!), deadline: T0 + 120_000 },
          ecps: { nationalId: DOCTOR.nationalId!, bindingMessage: '42' },
        },
      };
    case 'active':
      return { ...base, phase: { kind, user: nurseUser } };
    case 'offline-active':
      return { ...base, phase: { kind, user: { ...nurseUser, offline: true } } };
    case 'locking':
      return { ...base, phase: { kind, user: nurseUser, undoUntil: T0 + 5_000 } };
    case 'break-glass':
      return {
        ...base,
        phase: {
          kind,
          user: {
            ...userOf(aide, aideBadge),
            method: 'break-glass',
            badgeId: 'break-glass:sophie.petit',
            readerName: 'break-glass',
          },
          expiresAt: T0 + 30 * 60_000,
        },
      };
  }
}

/**
 * One representative event per type. Results carry the current attempt (7) and name the doctor
 * (whose national ID the e-CPS interaction asked for); removals and
 * reader losses concern the badge of the phase at hand; revocation and an expired sign-in concern
 * the nurse.
 */
export function eventOf(type: SessionEventType, state: SessionState): SessionEvent {
  const phase = state.phase;
  const ownBadge =
    'interaction' in phase
      ? phase.interaction.badge
      : 'user' in phase
        ? { badgeId: phase.user.badgeId, readerName: phase.user.readerName }
        : nurseCard;
  switch (type) {
    case 'badge-presented':
      return { type, badge: aideBadge };
    case 'badge-removed':
      return { type, badgeId: ownBadge.badgeId, readerName: ownBadge.readerName };
    case 'badge-identified':
      return { type, attemptId: 7, person: doctor, pinTriesLeft: 3 };
    case 'badge-unreadable':
      return { type, attemptId: 7, reason: 'unknown ATR' };
    case 'pin-entered':
    case 'pin-cancelled':
      return { type, attemptId: 7 };
    case 'auth-result':
      return {
        type,
        attemptId: 7,
        outcome: { reason: 'ok', person: doctor, method: 'card-pin', offline: false },
      };
    case 'reader-lost':
      return { type, readerName: ownBadge.readerName };
    case 'revoked':
    case 'sign-in-expired':
    case 'audit-unavailable':
      return { type, personId: nurse.personId };
    case 'break-glass-requested':
      return { type, justification: 'cardiac arrest, bed 12' };
    case 'ecps-requested':
      return { type, nationalId: DOCTOR.nationalId!, bindingMessage: '42' };
    case 'ecps-cancelled':
      return { type, attemptId: 7 };
    case 'inactivity-timeout':
    case 'undo':
    case 'shift-end':
    case 'manual-lock':
    case 'power-suspend':
    case 'power-resume':
    case 'tick':
      return { type };
  }
}

export function effectTypes(effects: readonly Effect[]): EffectType[] {
  return effects.map((e) => e.type);
}

export function audits(
  effects: readonly Effect[],
): { action: string; outcome: string; reason: string; personId: string | null }[] {
  return effects.flatMap((e) =>
    e.type === 'audit'
      ? [
          {
            action: e.record.action,
            outcome: e.record.outcome,
            reason: e.record.reason,
            personId: e.record.personId,
          },
        ]
      : [],
  );
}

export function feedbacks(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'feedback' ? [e.message] : []));
}

/** A workstation driven event by event through the pure machine, with a hand-moved clock. */
export class Bench {
  state: SessionState = INITIAL_STATE;
  now = T0;
  effects: Effect[] = [];
  last: readonly Effect[] = [];

  constructor(readonly policy: Policy = POLICY) {}

  send(event: SessionEvent): this {
    const result = transition(this.state, event, this.policy, this.now);
    this.state = result.state;
    this.last = result.effects;
    this.effects.push(...result.effects);
    return this;
  }

  at(minutesAfterStart: number): this {
    this.now = T0 + minutesAfterStart * 60_000;
    return this;
  }

  get attempt(): number {
    const phase = this.state.phase;
    if (!('interaction' in phase)) throw new Error(`no interaction in ${phase.kind}`);
    return phase.interaction.attemptId;
  }

  tap(badge: BadgePresentation): this {
    return this.send({ type: 'badge-presented', badge });
  }

  /** The full badge + PIN sign-in of `person`, as the agent would report it. */
  signIn(badge: BadgePresentation, person: Person, fromCard: Person | null = null): this {
    this.tap(badge);
    if (this.state.phase.kind === 'identifying' || this.state.phase.kind === 'switching') {
      this.send({
        type: 'badge-identified',
        attemptId: this.attempt,
        person: fromCard,
        pinTriesLeft: fromCard ? 3 : null,
      });
    }
    this.send({ type: 'pin-entered', attemptId: this.attempt });
    return this.result({
      reason: 'ok',
      person,
      method: badge.kind === 'cps-card' ? 'card-pin' : 'badge-pin',
      offline: false,
    });
  }

  result(outcome: AuthOutcome): this {
    return this.send({ type: 'auth-result', attemptId: this.attempt, outcome });
  }

  get phase(): string {
    return this.state.phase.kind;
  }

  get who(): string | null {
    return foregroundUser(this.state)?.personId ?? null;
  }
}
