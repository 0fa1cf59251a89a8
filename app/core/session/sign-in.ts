/**
 * A badge or card sign-in: the prompt (identify, PIN, check), its success (the newcomer comes
 * forward, on top of or instead of whoever was there) and its failures.
 */
import type { AuditOutcome, AuditReason } from '../audit.js';
import { missingCase } from '../exhaustive.js';
import type { BadgePresentation } from '../identity.js';
import type { MessageKey, MessageParams } from '../messages.js';
import {
  type AuthOutcome,
  type GraceEntry,
  type Interaction,
  type PinFailures,
  type SessionState,
  type SessionUser,
} from './types.js';
import type { Step } from './step.js';
import { MINUTE, SECOND, activePhase, withPhase } from './step.js';
import { openBreakGlass } from './break-glass.js';
import { bringForward, endGrace, graceRetap, sessionUserOf, setAside, validGrace } from './foreground.js';

export function isCurrent(interaction: Interaction, attemptId: number): boolean {
  return interaction.attemptId === attemptId;
}

/** The badge's wait after too many wrong PINs here, if it is still waiting. */
function cooldownOf(state: SessionState, badgeId: string, now: number): number | null {
  const until = state.pinFailures.find((f) => f.badgeId === badgeId)?.cooldownUntil ?? null;
  return until !== null && until > now ? until : null;
}

export function startInteraction(
  step: Step,
  state: SessionState,
  badge: BadgePresentation,
  over: SessionUser | null,
  breakGlass?: string,
): SessionState {
  const cooldown = cooldownOf(state, badge.badgeId, step.now);
  if (cooldown !== null) {
    // Too many wrong PINs with this badge lately: no prompt until the wait is over.
    step.feedback('too-many-attempts', { minutes: Math.ceil((cooldown - step.now) / MINUTE) });
    step.audit('authentication', 'failure', 'pin-cooldown', {
      badgeKind: badge.kind,
      badgeId: badge.badgeId,
    });
    return state;
  }
  const interaction: Interaction = {
    attemptId: state.nextAttemptId,
    badge,
    person: null,
    pinTriesLeft: null,
    wrongPins: 0,
    over,
    deadline: step.now + step.policy.authenticationTimeoutSeconds * SECOND,
    ...(breakGlass === undefined ? {} : { breakGlass }),
  };
  step.feedback(over ? 'switching-user' : 'reading-badge', { previous: over?.displayName ?? '' });
  step.effect({ type: 'identify-badge', attemptId: interaction.attemptId, badge });
  return {
    ...state,
    nextAttemptId: state.nextAttemptId + 1,
    phase: over ? { kind: 'switching', interaction } : { kind: 'identifying', interaction },
  };
}

/** A badge presented on a locked workstation. */
export function tapOnLocked(step: Step, state: SessionState, badge: BadgePresentation): SessionState {
  const pending = state.breakGlassPending;
  if (pending && pending.until > step.now) {
    // A break-glass request waits for its requester: a full sign-in, never a grace re-tap.
    return startInteraction(step, { ...state, breakGlassPending: null }, badge, null, pending.justification);
  }
  const entry = validGrace(state, badge.badgeId, step.now);
  if (entry) return graceRetap(step, state, entry, badge, null);
  return startInteraction(step, state, badge, null);
}

/** Where an interaction returns to when it ends without a sign-in. */
export function leaveInteraction(step: Step, state: SessionState, interaction: Interaction): SessionState {
  step.effect({ type: 'discard-pin' });
  return withPhase(state, interaction.over ? activePhase(interaction.over) : { kind: 'locked' });
}

export function abandon(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  message: MessageKey,
  audit: { outcome: AuditOutcome; reason: AuditReason } | null,
  params: MessageParams = {},
): SessionState {
  step.feedback(message, params);
  if (audit) {
    step.audit('authentication', audit.outcome, audit.reason, {
      person: interaction.person,
      badgeKind: interaction.badge.kind,
      badgeId: interaction.badge.badgeId,
    });
  }
  return leaveInteraction(step, state, interaction);
}

/** A successful second factor: the newcomer's session comes to the foreground. */
export function signIn(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  outcome: AuthOutcome & { reason: 'ok' },
): SessionState {
  const { badge, over } = interaction;
  const person = outcome.person;
  const ecps = badge.kind === 'ecps';
  // An approval in the e-CPS app is an e-CPS sign-in, whatever else the result claims.
  const user = sessionUserOf(person, badge, ecps ? 'ecps' : outcome.method, step.now, outcome.offline);
  const how = over ? 'tap-over' : 'tap-in';
  step.audit('authentication', 'success', ecps ? `ecps-${how}` : how, {
    person,
    badgeKind: badge.kind,
    badgeId: badge.badgeId,
    method: user.method,
    amr: outcome.amr,
    acr: outcome.acr,
  });
  if (person.nationalId === null) {
    step.feedback('no-national-id', { name: person.displayName });
    step.audit('authentication', 'info', 'no-national-id', {
      person,
      badgeKind: badge.kind,
      method: user.method,
    });
  }
  let next: SessionState = {
    ...state,
    pinFailures: state.pinFailures.filter((f) => f.badgeId !== badge.badgeId),
  };
  if (interaction.breakGlass !== undefined && !over) {
    return openBreakGlass(step, next, person, badge, interaction.breakGlass);
  }
  if (step.policy.otherTapInEndsGrace) {
    next = endGrace(step, next, (e) => e.person.personId !== person.personId, 'other-person-tap-in');
  }
  // Grace is the right to re-tap a badge without its PIN: e-CPS has no badge to re-tap.
  if (step.policy.graceRetapMinutes > 0 && !ecps) {
    const entry: GraceEntry = {
      badgeId: badge.badgeId,
      person,
      badgeKind: badge.kind,
      contactCard: badge.contact,
      fullAuthAt: step.now,
      expiresAt: step.now + step.policy.graceRetapMinutes * MINUTE,
    };
    next = { ...next, grace: [...next.grace.filter((e) => e.badgeId !== badge.badgeId), entry] };
  }
  if (over && over.personId !== person.personId) next = setAside(step, next, over, 'tap-over');
  step.feedback('welcome', { name: person.displayName });
  if (over && over.personId === person.personId) {
    // The same person re-authenticated on top of their own session: it simply continues (an
    // e-CPS approval leaves it on the badge it was opened with, so that badge still taps out).
    return withPhase(next, activePhase(ecps ? over : user));
  }
  return bringForward(step, next, user, over ? 'tap-over' : 'tap-in');
}

/**
 * One more wrong PIN for the interaction's badge; at the policy's cap the badge must wait. The
 * cap is local: an IdP without lockout (or a card with a lenient counter) is no excuse for
 * letting one tap try PIN after PIN.
 */
function countWrongPin(
  step: Step,
  state: SessionState,
  interaction: Interaction,
): { state: SessionState; cooldownUntil: number | null } {
  const { badgeId } = interaction.badge;
  const failures = (state.pinFailures.find((f) => f.badgeId === badgeId)?.failures ?? 0) + 1;
  const cooldownUntil =
    failures >= step.policy.pinFailuresBeforeCooldown
      ? step.now + step.policy.pinCooldownMinutes * MINUTE
      : null;
  const entry: PinFailures = { badgeId, failures, lastAt: step.now, cooldownUntil };
  return {
    state: { ...state, pinFailures: [...state.pinFailures.filter((f) => f.badgeId !== badgeId), entry] },
    cooldownUntil,
  };
}

export function onAuthFailure(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  outcome: Exclude<AuthOutcome, { reason: 'ok' }>,
): SessionState {
  switch (outcome.reason) {
    case 'wrong-pin': {
      const triesLeft = outcome.triesLeft;
      step.audit('authentication', 'failure', 'wrong-pin', {
        person: interaction.person,
        badgeKind: interaction.badge.kind,
        badgeId: interaction.badge.badgeId,
      });
      if (triesLeft === 0) {
        step.feedback('card-blocked');
        return leaveInteraction(step, state, interaction);
      }
      const counted = countWrongPin(step, state, interaction);
      if (counted.cooldownUntil !== null) {
        step.feedback('too-many-attempts', { minutes: step.policy.pinCooldownMinutes });
        step.audit('pin-cooldown', 'failure', 'pin-cooldown', {
          person: interaction.person,
          badgeKind: interaction.badge.kind,
        });
        return leaveInteraction(step, counted.state, interaction);
      }
      state = counted.state;
      step.feedback(triesLeft === 1 ? 'last-try' : 'wrong-pin', { triesLeft: triesLeft ?? '' });
      const retry: Interaction = {
        ...interaction,
        pinTriesLeft: triesLeft,
        wrongPins: interaction.wrongPins + 1,
        deadline: step.now + step.policy.pinEntryTimeoutSeconds * SECOND,
      };
      step.effect({ type: 'discard-pin' });
      return withPhase(state, { kind: 'awaiting-pin', interaction: retry });
    }
    case 'too-many-attempts':
      return abandon(
        step,
        state,
        interaction,
        'too-many-attempts',
        { outcome: 'failure', reason: 'too-many-attempts' },
        { minutes: outcome.retryAfterSeconds === null ? '' : Math.ceil(outcome.retryAfterSeconds / 60) },
      );
    case 'card-blocked':
    case 'unknown-badge':
    case 'idp-unreachable':
    case 'idp-error':
    case 'card-error':
    case 'card-removed':
    case 'timeout':
    case 'ecps-denied':
    case 'ecps-expired':
      return abandon(step, state, interaction, outcome.reason, {
        outcome: 'failure',
        reason: outcome.reason,
      });
    default:
      return missingCase(outcome);
  }
}
