/**
 * Break-glass: emergency access, loud, time-limited and reviewed. The request carries only a
 * justification; the requester proves who they are through the normal sign-in (badge or card +
 * PIN) that follows, and the emergency session is theirs. Repeats are capped per workstation.
 */
import { sanitizeDisplayText } from '../messages.js';
import type { BadgePresentation, Person } from '../identity.js';
import { closeSuspended, sessionUserOf } from './foreground.js';
import { MINUTE, SECOND, withPhase, type Step } from './step.js';
import { BREAK_GLASS_REQUESTS_PER_HOUR, type SessionState } from './types.js';

const HOUR = 60 * MINUTE;

/** The justification as the audit keeps it: no control or bidi characters, spaces collapsed. */
export function cleanJustification(text: string): string {
  return sanitizeDisplayText(text.replace(/\s+/g, ' '), 500).replace(/ {2,}/g, ' ');
}

export function requestBreakGlass(step: Step, state: SessionState, justification: string): SessionState {
  const detail = cleanJustification(justification);
  if (!step.policy.breakGlassEnabled) {
    step.feedback('break-glass-disabled');
    step.audit('break-glass', 'failure', 'break-glass-disabled', { method: 'break-glass', detail });
    return state;
  }
  const recent = state.breakGlassRequests.filter((at) => step.now - at < HOUR);
  const oldest = recent[0];
  if (recent.length >= BREAK_GLASS_REQUESTS_PER_HOUR && oldest !== undefined) {
    step.feedback('break-glass-rate-limited', { minutes: Math.ceil((oldest + HOUR - step.now) / MINUTE) });
    step.audit('break-glass', 'failure', 'break-glass-rate-limited', { method: 'break-glass', detail });
    return state;
  }
  if (detail.length < 3) {
    step.feedback('cancelled');
    return state;
  }
  step.feedback('break-glass-tap');
  step.audit('break-glass', 'info', 'break-glass-requested', { method: 'break-glass', detail });
  return {
    ...state,
    breakGlassRequests: [...recent, step.now],
    breakGlassPending: {
      justification: detail,
      until: step.now + step.policy.pinEntryTimeoutSeconds * SECOND,
    },
  };
}

/** The requester proved who they are: their emergency session opens, alone in the foreground. */
export function openBreakGlass(
  step: Step,
  state: SessionState,
  person: Person,
  badge: BadgePresentation,
  justification: string,
): SessionState {
  const user = sessionUserOf(person, badge, 'break-glass', step.now, false);
  step.feedback('break-glass', { name: user.displayName, minutes: step.policy.breakGlassMinutes });
  step.audit('break-glass', 'success', 'break-glass-requested', {
    person,
    badgeKind: badge.kind,
    method: 'break-glass',
    detail: justification,
  });
  // An emergency session is its own, closed at expiry: a suspended one of the same person goes first.
  const next = closeSuspended(step, state, user.personId, 'break-glass');
  step.effect({ type: 'open-session', user });
  step.effect({ type: 'unlock-screen', personId: user.personId });
  return withPhase(next, {
    kind: 'break-glass',
    user,
    expiresAt: step.now + step.policy.breakGlassMinutes * MINUTE,
  });
}
