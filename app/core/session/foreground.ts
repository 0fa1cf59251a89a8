/**
 * Who is in front: locking, setting a session aside (suspended or closed), bringing one
 * forward, grace re-taps and the events that end them.
 */
import type { AuditReason } from '../audit.js';
import { missingCase } from '../exhaustive.js';
import type { AuthMethod, BadgePresentation, Person } from '../identity.js';
import type { MessageKey } from '../messages.js';
import { type GraceEntry, type SessionState, type SessionUser } from './types.js';
import type { Step } from './step.js';
import { activePhase, withPhase } from './step.js';

/** The person a badge has just let in, as the session keeps them: who, by which badge, how, when. */
export function sessionUserOf(
  person: Person,
  badge: BadgePresentation,
  method: AuthMethod,
  now: number,
  offline: boolean,
): SessionUser {
  return {
    ...person,
    badgeId: badge.badgeId,
    badgeKind: badge.kind,
    readerName: badge.readerName,
    contactCard: badge.contact,
    method,
    fullAuthAt: now,
    offline,
  };
}

export function validGrace(state: SessionState, badgeId: string, now: number): GraceEntry | undefined {
  return state.grace.find((entry) => entry.badgeId === badgeId && entry.expiresAt > now);
}

/** Ends the grace of every entry `which` selects, auditing each with its reason. */
export function endGrace(
  step: Step,
  state: SessionState,
  which: (entry: GraceEntry) => boolean,
  reason: AuditReason,
): SessionState {
  const ending = state.grace.filter(which);
  if (ending.length === 0) return state;
  for (const entry of ending) {
    step.audit('grace-ended', 'info', reason, { person: entry.person, badgeKind: entry.badgeKind });
  }
  return { ...state, grace: state.grace.filter((entry) => !which(entry)) };
}

export function closeSuspended(
  step: Step,
  state: SessionState,
  personId: string,
  reason: AuditReason,
): SessionState {
  const found = state.suspended.find((s) => s.user.personId === personId);
  if (!found) return state;
  step.effect({ type: 'close-session', personId, reason });
  step.audit('session-closed', 'info', reason, { person: found.user, badgeKind: found.user.badgeKind });
  return { ...state, suspended: state.suspended.filter((s) => s !== found) };
}

/**
 * Takes the foreground person's session out of the foreground: suspended (kept for their
 * return) or closed, as policy and the cap on suspended sessions say. Break-glass sessions are
 * always closed: emergency access does not linger.
 */
export function setAside(
  step: Step,
  state: SessionState,
  user: SessionUser,
  reason: AuditReason,
): SessionState {
  const close =
    user.method === 'break-glass' ||
    step.policy.maxSuspendedSessions === 0 ||
    (reason === 'tap-over' && step.policy.tapOverPreviousSession === 'close');
  if (close) {
    step.effect({ type: 'close-session', personId: user.personId, reason });
    step.audit('session-closed', 'info', reason, {
      person: user,
      badgeKind: user.badgeKind,
      method: user.method,
    });
    return state;
  }
  step.effect({ type: 'suspend-session', personId: user.personId });
  step.audit('session-suspended', 'info', reason, {
    person: user,
    badgeKind: user.badgeKind,
    method: user.method,
  });
  let suspended = [
    ...state.suspended.filter((s) => s.user.personId !== user.personId),
    { user, suspendedAt: step.now },
  ];
  while (suspended.length > step.policy.maxSuspendedSessions) {
    const [oldest, ...rest] = suspended;
    if (!oldest) break;
    step.effect({ type: 'close-session', personId: oldest.user.personId, reason: 'too-many-suspended' });
    step.audit('session-closed', 'info', 'too-many-suspended', {
      person: oldest.user,
      badgeKind: oldest.user.badgeKind,
    });
    suspended = rest;
  }
  return { ...state, suspended };
}

/** Locks the workstation now: the foreground session is set aside and the lock screen shown. */
export function lockNow(
  step: Step,
  state: SessionState,
  user: SessionUser,
  reason: AuditReason,
  message: MessageKey,
): SessionState {
  const next = setAside(step, state, user, reason);
  step.effect({ type: 'lock-screen' });
  step.feedback(message, { name: user.displayName });
  step.audit('session-locked', 'info', reason, {
    person: user,
    badgeKind: user.badgeKind,
    method: user.method,
  });
  return withPhase(next, { kind: 'locked' });
}

/**
 * Brings a person to the foreground: their suspended session resumes if there is one, otherwise
 * a new one opens. The caller has already set aside whoever was in the foreground.
 */
export function bringForward(
  step: Step,
  state: SessionState,
  user: SessionUser,
  reason: AuditReason,
): SessionState {
  const suspended = state.suspended.find((s) => s.user.personId === user.personId);
  if (suspended) step.effect({ type: 'resume-session', user });
  else step.effect({ type: 'open-session', user });
  step.effect({ type: 'unlock-screen', personId: user.personId });
  step.audit(suspended ? 'session-resumed' : 'session-opened', 'success', reason, {
    person: user,
    badgeKind: user.badgeKind,
    method: user.method,
  });
  return {
    ...state,
    suspended: state.suspended.filter((s) => s.user.personId !== user.personId),
    phase: activePhase(user),
  };
}

/** A grace re-tap: the badge's holder comes back without a PIN; whoever was in front is set aside. */
export function graceRetap(
  step: Step,
  state: SessionState,
  entry: GraceEntry,
  badge: BadgePresentation,
  current: SessionUser | null,
): SessionState {
  const suspended = state.suspended.find((s) => s.user.personId === entry.person.personId);
  const user: SessionUser = {
    ...entry.person,
    badgeId: badge.badgeId,
    badgeKind: badge.kind,
    readerName: badge.readerName,
    contactCard: badge.contact,
    method: 'grace',
    fullAuthAt: entry.fullAuthAt,
    offline: suspended?.user.offline ?? false,
  };
  const reason = current ? 'grace-tap-over' : 'grace-re-tap';
  step.audit('authentication', 'success', reason, { person: user, badgeKind: badge.kind, method: 'grace' });
  let next = state;
  if (current) {
    step.feedback('switching-user', { previous: current.displayName });
    next = setAside(step, next, current, 'tap-over');
  }
  step.feedback('welcome-back', { name: user.displayName });
  next = bringForward(step, next, user, reason);
  step.effect({ type: 'refresh-tokens', personId: user.personId });
  return next;
}

/** The signed-in person's contact card left the reader (or its reader vanished). */
export function onContactCardGone(step: Step, state: SessionState, user: SessionUser): SessionState {
  switch (step.policy.contactCardRemoval) {
    case 'lock': {
      const locked = lockNow(step, state, user, 'card-removed', 'card-removed');
      return endGrace(step, locked, (e) => e.person.personId === user.personId, 'card-removed');
    }
    case 'end-grace':
      return endGrace(step, state, (e) => e.person.personId === user.personId, 'card-removed');
    case 'ignore':
      return state;
    default:
      return missingCase(step.policy.contactCardRemoval);
  }
}

/** Events common to every phase that only touch the workstation's memory, not the foreground. */
export function onShiftEnd(step: Step, state: SessionState): SessionState {
  return endGrace(step, state, () => true, 'shift-end');
}

export function onRevokedBackground(step: Step, state: SessionState, personId: string): SessionState {
  const next = endGrace(step, state, (e) => e.person.personId === personId, 'revoked');
  return closeSuspended(step, next, personId, 'revoked');
}

/** The IdP refused to renew someone's sign-in: their next tap asks for the PIN again. */
export function onSignInExpiredBackground(step: Step, state: SessionState, personId: string): SessionState {
  return endGrace(step, state, (e) => e.person.personId === personId, 'sign-in-expired');
}

/** A lock asked for by the person (manual) or by the machine going to sleep; a manual lock also ends their grace. */
export function lockOnRequest(
  step: Step,
  state: SessionState,
  user: SessionUser,
  reason: 'manual-lock' | 'power-suspend',
): SessionState {
  const locked = lockNow(step, state, user, reason, reason === 'manual-lock' ? 'locked' : 'locked-power');
  return reason === 'manual-lock'
    ? endGrace(step, locked, (e) => e.person.personId === user.personId, 'manual-lock')
    : locked;
}

/** A revoked person's session, in the foreground or under a prompt, is closed (not kept). */
export function closeRevoked(step: Step, user: SessionUser): void {
  step.effect({ type: 'close-session', personId: user.personId, reason: 'revoked' });
  step.audit('session-closed', 'info', 'revoked', {
    person: user,
    badgeKind: user.badgeKind,
    method: user.method,
  });
}
