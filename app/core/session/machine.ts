/**
 * The workstation session state machine: `transition(state, event, policy, now)` returns the
 * next state and the effects the agent must carry out, in order. It never reads a clock, a
 * device or a file. Every (phase, event) pair goes through an exhaustive switch, so adding a
 * phase or an event without deciding what it does is a compile error.
 *
 * The rule that matters most: the only ways into a session are a successful second factor
 * (`auth-result` ok for the current attempt: a PIN checked, or an approval in the e-CPS app for
 * the very national ID that was asked for), a grace re-tap of a badge whose holder did a full
 * sign-in here within the grace period, an undo of one's own tap-out, and break-glass when
 * policy allows it. Property tests in test/unit/core/session check this over random event sequences.
 */
import { missingCase } from '../exhaustive.js';
import type { MessageKey } from '../messages.js';
import type { Policy } from '../policy.js';
import {
  sessionEventSchema,
  type Interaction,
  type Phase,
  type SessionEvent,
  type SessionState,
  type SessionUser,
  type Transition,
} from './types.js';
import { ECPS_RATE_WINDOW_MINUTES } from './types.js';
import { requestBreakGlass } from './break-glass.js';
import { endEcps, onEcpsResult, startEcps } from './ecps.js';
import {
  closeRevoked,
  closeSuspended,
  endGrace,
  lockOnRequest,
  lockNow,
  onContactCardGone,
  onRevokedBackground,
  onShiftEnd,
  onSignInExpiredBackground,
} from './foreground.js';
import { graceRetap, validGrace } from './foreground.js';
import {
  abandon,
  isCurrent,
  leaveInteraction,
  onAuthFailure,
  signIn,
  startInteraction,
  tapOnLocked,
} from './sign-in.js';
import {
  MINUTE,
  SECOND,
  Step,
  activePhase,
  unchanged,
  withPhase,
  type ActivePhase,
  type EcpsPhase,
} from './step.js';

type InteractionKind = 'identifying' | 'switching' | 'awaiting-pin' | 'authenticating';

function onLocked(step: Step, state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'badge-presented':
      return tapOnLocked(step, state, event.badge);
    case 'shift-end':
      return onShiftEnd(step, state);
    case 'revoked':
      return onRevokedBackground(step, state, event.personId);
    case 'sign-in-expired':
      return onSignInExpiredBackground(step, state, event.personId);
    case 'ecps-requested':
      return startEcps(step, state, event, null);
    case 'break-glass-requested':
      return requestBreakGlass(step, state, event.justification);
    // Nothing to lock, cancel or undo; results for attempts already abandoned are ignored.
    case 'audit-unavailable':
    case 'badge-removed':
    case 'badge-identified':
    case 'badge-unreadable':
    case 'pin-entered':
    case 'pin-cancelled':
    case 'auth-result':
    case 'inactivity-timeout':
    case 'undo':
    case 'reader-lost':
    case 'manual-lock':
    case 'power-suspend':
    case 'power-resume':
    case 'tick':
    case 'ecps-cancelled':
      return state;
    default:
      return missingCase(event);
  }
}

/**
 * The session under a prompt locks when it has been idle (the host says so once per idle period,
 * so an abandoned prompt must not swallow it) or when its access could not be recorded; the
 * caller keeps the prompt going over nobody. Null when the event does not concern it.
 */
function lockUnderneath(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  event: Extract<SessionEvent, { type: 'inactivity-timeout' | 'audit-unavailable' }>,
): SessionState | null {
  const { over } = interaction;
  if (!over) return null;
  if (event.type === 'inactivity-timeout')
    return lockNow(step, state, over, 'inactivity', 'locked-inactivity');
  if (event.personId !== over.personId) return null;
  return lockNow(step, state, over, 'audit-unavailable', 'audit-unavailable');
}

function onInteraction(
  step: Step,
  state: SessionState,
  kind: InteractionKind,
  interaction: Interaction,
  event: SessionEvent,
): SessionState {
  switch (event.type) {
    case 'badge-presented': {
      if (event.badge.badgeId === interaction.badge.badgeId) {
        // An impatient second tap: answer it (every tap gets feedback) without starting over.
        if (kind === 'awaiting-pin') {
          step.feedback(interaction.person ? 'greeting-pin' : 'enter-pin', {
            name: interaction.person?.displayName ?? '',
          });
        } else step.feedback('busy');
        return state;
      }
      if (kind === 'authenticating') {
        // A PIN is being checked: a stray tap must not abort it, but it is acknowledged.
        step.feedback('busy');
        return state;
      }
      // The newest badge wins: the person now at the reader is the one to serve.
      const next = leaveInteraction(step, state, interaction);
      step.feedback('cancelled');
      return interaction.over
        ? onActive(step, next, activePhase(interaction.over), event)
        : tapOnLocked(step, next, event.badge);
    }
    case 'badge-removed':
      if (event.badgeId !== interaction.badge.badgeId || !interaction.badge.contact) return state;
      return abandon(step, state, interaction, 'card-removed', {
        outcome: 'cancelled',
        reason: 'card-removed',
      });
    case 'badge-identified': {
      if (!isCurrent(interaction, event.attemptId) || (kind !== 'identifying' && kind !== 'switching'))
        return state;
      if (event.pinTriesLeft === 0) {
        return abandon(step, state, { ...interaction, person: event.person }, 'card-blocked', {
          outcome: 'failure',
          reason: 'card-blocked',
        });
      }
      const identified: Interaction = {
        ...interaction,
        person: event.person,
        pinTriesLeft: event.pinTriesLeft,
        deadline: step.now + step.policy.pinEntryTimeoutSeconds * SECOND,
      };
      const greeting: MessageKey = event.person ? 'greeting-pin' : 'enter-pin';
      step.feedback(event.pinTriesLeft === 1 ? 'last-try' : greeting, {
        name: event.person?.displayName ?? '',
        triesLeft: event.pinTriesLeft ?? '',
      });
      return withPhase(state, { kind: 'awaiting-pin', interaction: identified });
    }
    case 'badge-unreadable':
      if (!isCurrent(interaction, event.attemptId) || (kind !== 'identifying' && kind !== 'switching'))
        return state;
      return abandon(step, state, interaction, 'badge-unreadable', {
        outcome: 'failure',
        reason: 'badge-unreadable',
      });
    case 'pin-entered':
      if (!isCurrent(interaction, event.attemptId) || kind !== 'awaiting-pin') return state;
      step.feedback('checking', { name: interaction.person?.displayName ?? '' });
      step.effect({
        type: 'authenticate',
        attemptId: interaction.attemptId,
        badge: interaction.badge,
        person: interaction.person,
      });
      return withPhase(state, {
        kind: 'authenticating',
        interaction: {
          ...interaction,
          deadline: step.now + step.policy.authenticationTimeoutSeconds * SECOND,
        },
      });
    case 'pin-cancelled':
      if (!isCurrent(interaction, event.attemptId)) return state;
      return abandon(step, state, interaction, 'cancelled', {
        outcome: 'cancelled',
        reason: 'pin-cancelled',
      });
    case 'auth-result':
      if (!isCurrent(interaction, event.attemptId) || kind !== 'authenticating') return state;
      return event.outcome.reason === 'ok'
        ? signIn(step, state, interaction, event.outcome)
        : onAuthFailure(step, state, interaction, event.outcome);
    case 'tick':
      if (step.now < interaction.deadline) return state;
      return abandon(step, state, interaction, 'timeout', {
        outcome: kind === 'awaiting-pin' ? 'cancelled' : 'failure',
        reason: kind === 'awaiting-pin' ? 'pin-entry-timeout' : 'timeout',
      });
    case 'reader-lost':
      if (event.readerName !== interaction.badge.readerName) return state;
      return abandon(step, state, interaction, 'reader-lost', { outcome: 'failure', reason: 'reader-lost' });
    case 'manual-lock':
    case 'power-suspend': {
      step.audit('authentication', 'cancelled', event.type, {
        person: interaction.person,
        badgeKind: interaction.badge.kind,
        badgeId: interaction.badge.badgeId,
      });
      const next = leaveInteraction(step, state, interaction);
      return interaction.over ? lockOnRequest(step, next, interaction.over, event.type) : next;
    }
    case 'revoked': {
      let next = onRevokedBackground(step, state, event.personId);
      if (interaction.person?.personId === event.personId) {
        return abandon(step, next, interaction, 'session-revoked', { outcome: 'failure', reason: 'revoked' });
      }
      if (interaction.over?.personId === event.personId) {
        closeRevoked(step, interaction.over);
        const withoutOver: Interaction = { ...interaction, over: null };
        // Without anyone underneath, a tap-over becomes a plain tap-in.
        next = withPhase(next, {
          kind: kind === 'switching' ? 'identifying' : kind,
          interaction: withoutOver,
        });
      }
      return next;
    }
    case 'sign-in-expired':
      // Whoever is signing in now proves themselves anyway; the person underneath will be asked
      // for their PIN on their next tap.
      return onSignInExpiredBackground(step, state, event.personId);
    case 'shift-end':
      return onShiftEnd(step, state);
    case 'ecps-requested':
      // Someone is signing in with a badge: e-CPS waits until they are done (or cancel).
      step.feedback('busy');
      return state;
    // The session underneath has been idle (the host says so once per idle period, so an
    // abandoned prompt must not swallow it), or its access could not be recorded: it locks now,
    // and the prompt goes on over nobody.
    case 'inactivity-timeout':
    case 'audit-unavailable': {
      const locked = lockUnderneath(step, state, interaction, event);
      if (!locked) return state;
      return withPhase(locked, {
        kind: kind === 'switching' ? 'identifying' : kind,
        interaction: { ...interaction, over: null },
      });
    }
    // Someone is mid-sign-in: an undo or a wake-up does not concern them.
    case 'undo':
    case 'power-resume':
    case 'break-glass-requested':
    case 'ecps-cancelled':
      return state;
    default:
      return missingCase(event);
  }
}

function onEcpsWaiting(step: Step, state: SessionState, phase: EcpsPhase, event: SessionEvent): SessionState {
  const { interaction } = phase;
  switch (event.type) {
    case 'badge-presented': {
      // The person at the reader now is the one to serve: the e-CPS request is withdrawn.
      const next = endEcps(
        step,
        state,
        phase,
        'cancelled',
        { outcome: 'cancelled', reason: 'badge-presented' },
        true,
      );
      return interaction.over
        ? onActive(step, next, activePhase(interaction.over), event)
        : tapOnLocked(step, next, event.badge);
    }
    case 'ecps-requested':
      // Never two e-CPS requests at once: this one must be answered or cancelled first.
      step.feedback('busy');
      return state;
    case 'ecps-cancelled':
      if (!isCurrent(interaction, event.attemptId)) return state;
      return endEcps(
        step,
        state,
        phase,
        'cancelled',
        { outcome: 'cancelled', reason: 'ecps-cancelled' },
        true,
      );
    case 'auth-result':
      if (!isCurrent(interaction, event.attemptId)) return state;
      return onEcpsResult(step, state, phase, event.outcome);
    case 'tick':
      if (step.now < interaction.deadline) return state;
      return endEcps(
        step,
        state,
        phase,
        'ecps-expired',
        { outcome: 'failure', reason: 'ecps-timeout' },
        true,
      );
    case 'manual-lock':
    case 'power-suspend': {
      const next = endEcps(step, state, phase, null, { outcome: 'cancelled', reason: event.type }, true);
      if (interaction.over) return lockOnRequest(step, next, interaction.over, event.type);
      step.feedback(event.type === 'manual-lock' ? 'locked' : 'locked-power');
      return next;
    }
    case 'revoked': {
      const next = onRevokedBackground(step, state, event.personId);
      if (interaction.over?.personId !== event.personId) return next;
      closeRevoked(step, interaction.over);
      // Without anyone underneath, the e-CPS tap-over becomes a plain e-CPS sign-in.
      return withPhase(next, { ...phase, interaction: { ...interaction, over: null } });
    }
    case 'sign-in-expired':
      return onSignInExpiredBackground(step, state, event.personId);
    case 'shift-end':
      return onShiftEnd(step, state);
    case 'inactivity-timeout':
    case 'audit-unavailable': {
      // As under a PIN prompt: the session underneath locks; the request goes on.
      const locked = lockUnderneath(step, state, interaction, event);
      if (!locked) return state;
      return withPhase(locked, { ...phase, interaction: { ...interaction, over: null } });
    }
    // No badge, reader or PIN takes part; an undo or a wake-up concern no one here.
    case 'badge-removed':
    case 'badge-identified':
    case 'badge-unreadable':
    case 'pin-entered':
    case 'pin-cancelled':
    case 'reader-lost':
    case 'undo':
    case 'power-resume':
    case 'break-glass-requested':
      return state;
    default:
      return missingCase(event);
  }
}

function onActive(step: Step, state: SessionState, phase: ActivePhase, event: SessionEvent): SessionState {
  const { user } = phase;
  switch (event.type) {
    case 'badge-presented': {
      const { badge } = event;
      if (phase.kind === 'break-glass') {
        // Normal access resumes: the emergency session ends before the tap is served.
        const locked = lockNow(step, state, user, 'break-glass-ended', 'break-glass-ended');
        return tapOnLocked(step, locked, badge);
      }
      if (badge.badgeId === user.badgeId) {
        if (step.policy.tapOutUndoSeconds === 0) return lockNow(step, state, user, 'tap-out', 'locked');
        step.feedback('tap-out-undo', { seconds: step.policy.tapOutUndoSeconds, name: user.displayName });
        return withPhase(state, {
          kind: 'locking',
          user,
          undoUntil: step.now + step.policy.tapOutUndoSeconds * SECOND,
        });
      }
      const entry = validGrace(state, badge.badgeId, step.now);
      if (entry && entry.person.personId !== user.personId)
        return graceRetap(step, state, entry, badge, user);
      return startInteraction(step, state, badge, user);
    }
    case 'badge-removed':
      if (event.badgeId !== user.badgeId || !user.contactCard) return state;
      return onContactCardGone(step, state, user);
    case 'reader-lost':
      if (event.readerName !== user.readerName || !user.contactCard) return state;
      return onContactCardGone(step, state, user);
    case 'inactivity-timeout':
      return lockNow(step, state, user, 'inactivity', 'locked-inactivity');
    case 'manual-lock':
    case 'power-suspend':
      return lockOnRequest(step, state, user, event.type);
    case 'revoked': {
      const next = onRevokedBackground(step, state, event.personId);
      if (event.personId !== user.personId) return next;
      closeRevoked(step, user);
      step.effect({ type: 'lock-screen' });
      step.feedback('session-revoked', { name: user.displayName });
      return withPhase(next, { kind: 'locked' });
    }
    case 'sign-in-expired': {
      const next = onSignInExpiredBackground(step, state, event.personId);
      // An emergency access is not an IdP sign-in: its time limit governs it.
      if (event.personId !== user.personId || phase.kind === 'break-glass') return next;
      // The session is kept (locked, not closed): the person's PIN opens it again.
      return lockNow(step, next, user, 'sign-in-expired', 'sign-in-again');
    }
    case 'shift-end':
      return onShiftEnd(step, state);
    case 'audit-unavailable': {
      if (event.personId !== user.personId) return state;
      // The access could not be recorded, so it did not happen: back behind the lock, and no
      // grace re-tap around it.
      const locked = lockNow(step, state, user, 'audit-unavailable', 'audit-unavailable');
      return endGrace(step, locked, (e) => e.person.personId === user.personId, 'audit-unavailable');
    }
    case 'tick':
      if (phase.kind === 'break-glass' && step.now >= phase.expiresAt) {
        return lockNow(step, state, user, 'break-glass-expired', 'break-glass-ended');
      }
      return state;
    case 'ecps-requested':
      if (phase.kind === 'break-glass') {
        // As with a badge: normal access resumes, the emergency session ends first.
        const locked = lockNow(step, state, user, 'break-glass-ended', 'break-glass-ended');
        return startEcps(step, locked, event, null);
      }
      // Another person takes over with e-CPS: the session stays underneath until they are approved.
      return startEcps(step, state, event, user);
    // Results of abandoned attempts, and requests that make no sense while someone works.
    case 'badge-identified':
    case 'badge-unreadable':
    case 'pin-entered':
    case 'pin-cancelled':
    case 'auth-result':
    case 'undo':
    case 'power-resume':
    case 'break-glass-requested':
    case 'ecps-cancelled':
      return state;
    default:
      return missingCase(event);
  }
}

function onLocking(
  step: Step,
  state: SessionState,
  phase: Extract<Phase, { kind: 'locking' }>,
  event: SessionEvent,
): SessionState {
  const { user } = phase;
  const undo = (): SessionState => {
    step.feedback('tap-out-undone', { name: user.displayName });
    step.audit('tap-out-undone', 'info', 'undo', {
      person: user,
      badgeKind: user.badgeKind,
      method: user.method,
    });
    return withPhase(state, activePhase(user));
  };
  switch (event.type) {
    case 'undo':
      return undo();
    case 'badge-presented':
      // Tapping again to resume is the classic mistake the undo window exists for.
      if (event.badge.badgeId === user.badgeId) return undo();
      return tapOnLocked(step, lockNow(step, state, user, 'tap-out', 'locked'), event.badge);
    case 'tick':
      return step.now >= phase.undoUntil ? lockNow(step, state, user, 'tap-out', 'locked') : state;
    case 'ecps-requested':
      // Someone else chose e-CPS during the undo window: the tap-out is committed first.
      return startEcps(step, lockNow(step, state, user, 'tap-out', 'locked'), event, null);
    case 'badge-removed':
      if (event.badgeId !== user.badgeId || !user.contactCard) return state;
      return onContactCardGone(step, lockNow(step, state, user, 'tap-out', 'locked'), user);
    case 'reader-lost':
    case 'inactivity-timeout':
      return lockNow(step, state, user, 'tap-out', 'locked');
    case 'manual-lock':
    case 'power-suspend':
      return lockOnRequest(step, state, user, event.type);
    case 'revoked':
    case 'sign-in-expired':
    case 'audit-unavailable':
      return onActive(step, state, activePhase(user), event);
    case 'shift-end':
      return onShiftEnd(step, state);
    case 'badge-identified':
    case 'badge-unreadable':
    case 'pin-entered':
    case 'pin-cancelled':
    case 'auth-result':
    case 'power-resume':
    case 'break-glass-requested':
    case 'ecps-cancelled':
      return state;
    default:
      return missingCase(event);
  }
}

/** Closes suspended sessions past their maximum age; forgets expired grace. */
function housekeeping(step: Step, state: SessionState): SessionState {
  let next = state;
  const maxAge = step.policy.maxSuspendedMinutes * MINUTE;
  for (const old of state.suspended.filter((s) => step.now - s.suspendedAt >= maxAge)) {
    next = closeSuspended(step, next, old.user.personId, 'suspended-too-long');
  }
  const live = next.grace.filter((entry) => entry.expiresAt > step.now);
  if (live.length !== next.grace.length) next = { ...next, grace: live };
  return forgetOldLimits(step, next);
}

/** Drops wrong-PIN counts, e-CPS requests and break-glass requests that no longer count. */
function forgetOldLimits(step: Step, state: SessionState): SessionState {
  const { now, policy } = step;
  const cooldown = policy.pinCooldownMinutes * MINUTE;
  const pinFailures = state.pinFailures.filter((f) =>
    f.cooldownUntil === null ? now - f.lastAt < cooldown : f.cooldownUntil > now,
  );
  const ecpsRequests = state.ecpsRequests.filter((r) => now - r.at < ECPS_RATE_WINDOW_MINUTES * MINUTE);
  const breakGlassRequests = state.breakGlassRequests.filter((at) => now - at < 60 * MINUTE);
  const breakGlassPending =
    state.breakGlassPending && state.breakGlassPending.until > now ? state.breakGlassPending : null;
  const same =
    pinFailures.length === state.pinFailures.length &&
    ecpsRequests.length === state.ecpsRequests.length &&
    breakGlassRequests.length === state.breakGlassRequests.length &&
    breakGlassPending === state.breakGlassPending;
  return same ? state : { ...state, pinFailures, ecpsRequests, breakGlassRequests, breakGlassPending };
}

/** The phase's own deadline (prompt, undo window, e-CPS expiry, break-glass end), if it has one. */
function phaseDeadline(state: SessionState): number | null {
  const { phase } = state;
  switch (phase.kind) {
    case 'identifying':
    case 'switching':
    case 'awaiting-pin':
    case 'authenticating':
    case 'ecps-waiting':
      return phase.interaction.deadline;
    case 'locking':
      return phase.undoUntil;
    case 'break-glass':
      return phase.expiresAt;
    case 'locked':
    case 'active':
    case 'offline-active':
      return null;
    default:
      return missingCase(phase);
  }
}

/**
 * The next state and effects for a validated event. `givenNow` is deadline time (a monotonic
 * clock: windows and prompts; the machine never lets it go back below the latest it was given);
 * `wallNow` is the wall clock, used only to timestamp audit records.
 */
export function transition(
  state: SessionState,
  event: SessionEvent,
  policy: Policy,
  givenNow: number,
  wallNow: number = givenNow,
): Transition {
  // The host's deadline clock is monotonic; should it not be, the machine's own time still is.
  const now = Math.max(givenNow, state.latestNow);
  const step = new Step(policy, now, wallNow);
  let base = housekeeping(step, state);
  // A deadline is met whatever the event: a late undo, a PIN typed after its prompt expired or
  // a tap after the break-glass time finds the window already closed, tick or no tick.
  const deadline = phaseDeadline(base);
  if (event.type !== 'tick' && deadline !== null && now >= deadline)
    base = onPhase(step, base, { type: 'tick' });
  const next = onPhase(step, base, event);
  // Every event moves the machine's time on, even one that changes nothing else.
  const moved = next.latestNow === now ? next : { ...next, latestNow: now };
  if (moved === state && step.effects.length === 0) return unchanged(state);
  return step.done(moved);
}

/** The event, handled by the switch of the phase the workstation is in. */
function onPhase(step: Step, base: SessionState, event: SessionEvent): SessionState {
  const { phase } = base;
  let next: SessionState;
  switch (phase.kind) {
    case 'locked':
      next = onLocked(step, base, event);
      break;
    case 'identifying':
    case 'switching':
    case 'awaiting-pin':
    case 'authenticating':
      next = onInteraction(step, base, phase.kind, phase.interaction, event);
      break;
    case 'ecps-waiting':
      next = onEcpsWaiting(step, base, phase, event);
      break;
    case 'active':
    case 'offline-active':
    case 'break-glass':
      next = onActive(step, base, phase, event);
      break;
    case 'locking':
      next = onLocking(step, base, phase, event);
      break;
    default:
      return missingCase(phase);
  }
  return next;
}

export type Dispatched = Transition & { readonly rejected: string | null };

/**
 * Validates an event from outside (an adapter, the UI) before it reaches the machine. A
 * malformed event changes nothing and says why.
 */
export function dispatch(
  state: SessionState,
  input: unknown,
  policy: Policy,
  now: number,
  wallNow: number = now,
): Dispatched {
  const parsed = sessionEventSchema.safeParse(input);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`)
      .join('; ');
    return { state, effects: [], rejected: `malformed event (${where})` };
  }
  return { ...transition(state, parsed.data, policy, now, wallNow), rejected: null };
}

/** When the machine next needs a `tick`: a deadline, an undo window, an expiry. Null: never. */
export function nextDeadline(state: SessionState, policy: Policy): number | null {
  const times: number[] = [];
  const { phase } = state;
  switch (phase.kind) {
    case 'identifying':
    case 'switching':
    case 'awaiting-pin':
    case 'authenticating':
    case 'ecps-waiting':
      times.push(phase.interaction.deadline);
      break;
    case 'locking':
      times.push(phase.undoUntil);
      break;
    case 'break-glass':
      times.push(phase.expiresAt);
      break;
    case 'locked':
    case 'active':
    case 'offline-active':
      break;
    default:
      return missingCase(phase);
  }
  for (const s of state.suspended) times.push(s.suspendedAt + policy.maxSuspendedMinutes * MINUTE);
  for (const g of state.grace) times.push(g.expiresAt);
  return times.length === 0 ? null : Math.min(...times);
}

/** The person whose session is in the foreground or directly underneath a prompt, if any. */
export function foregroundUser(state: SessionState): SessionUser | null {
  const { phase } = state;
  switch (phase.kind) {
    case 'locked':
      return null;
    case 'identifying':
    case 'switching':
    case 'awaiting-pin':
    case 'authenticating':
    case 'ecps-waiting':
      return phase.interaction.over;
    case 'active':
    case 'offline-active':
    case 'locking':
    case 'break-glass':
      return phase.user;
    default:
      return missingCase(phase);
  }
}
