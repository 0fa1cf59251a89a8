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
 * policy allows it. Property tests in test/unit/core check this over random event sequences.
 */
import type { AuditAction, AuditDraft, AuditOutcome } from '../audit.js';
import { missingCase } from '../exhaustive.js';
import type { AuthMethod, BadgePresentation, Person } from '../identity.js';
import type { MessageKey, MessageParams } from '../messages.js';
import type { Policy } from '../policy.js';
import {
  ECPS_READER,
  ECPS_REQUEST_SECONDS,
  sessionEventSchema,
  type AuthOutcome,
  type EcpsRequest,
  type Effect,
  type GraceEntry,
  type Interaction,
  type Phase,
  type SessionEvent,
  type SessionState,
  type SessionUser,
  type Transition,
} from './types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

type ActiveKind = 'active' | 'offline-active' | 'break-glass';
type InteractionKind = 'identifying' | 'switching' | 'awaiting-pin' | 'authenticating';
type EcpsPhase = Extract<Phase, { kind: 'ecps-waiting' }>;

/** The badge an audit record names: the one presented, else the one the session was opened with. */
function badgeIdOf(who: { person?: Person | SessionUser | null; badgeId?: string | null }): {
  badgeId?: string;
} {
  const badgeId = who.badgeId ?? (who.person && 'badgeId' in who.person ? who.person.badgeId : null);
  return badgeId ? { badgeId } : {};
}

/** Collects the effects of one transition; local mutation only, the function stays pure. */
class Step {
  readonly effects: Effect[] = [];
  constructor(
    readonly policy: Policy,
    readonly now: number,
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
    reason: string,
    who: {
      person?: Person | null;
      badgeKind?: AuditDraft['badgeKind'];
      /** The badge presented, on an attempt (a session's user carries their own). */
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
      ...badgeIdOf(who),
      method: who.method ?? null,
      reason,
      time: new Date(this.now).toISOString(),
      ...(who.amr && who.amr.length > 0 ? { amr: who.amr } : {}),
      ...(who.acr ? { acr: who.acr } : {}),
    };
    this.effects.push({ type: 'audit', record });
  }

  done(state: SessionState): Transition {
    return { state, effects: this.effects };
  }
}

const unchanged = (state: SessionState): Transition => ({ state, effects: [] });

function activePhase(user: SessionUser): Phase {
  return user.offline ? { kind: 'offline-active', user } : { kind: 'active', user };
}

function withPhase(state: SessionState, phase: Phase): SessionState {
  return { ...state, phase };
}

function validGrace(state: SessionState, badgeId: string, now: number): GraceEntry | undefined {
  return state.grace.find((entry) => entry.badgeId === badgeId && entry.expiresAt > now);
}

/** Ends the grace of every entry `which` selects, auditing each with its reason. */
function endGrace(
  step: Step,
  state: SessionState,
  which: (entry: GraceEntry) => boolean,
  reason: string,
): SessionState {
  const ending = state.grace.filter(which);
  if (ending.length === 0) return state;
  for (const entry of ending) {
    step.audit('grace-ended', 'info', reason, { person: entry.person, badgeKind: entry.badgeKind });
  }
  return { ...state, grace: state.grace.filter((entry) => !which(entry)) };
}

function closeSuspended(step: Step, state: SessionState, personId: string, reason: string): SessionState {
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
function setAside(step: Step, state: SessionState, user: SessionUser, reason: string): SessionState {
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
function lockNow(
  step: Step,
  state: SessionState,
  user: SessionUser,
  reason: string,
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
function bringForward(step: Step, state: SessionState, user: SessionUser, reason: string): SessionState {
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

function startInteraction(
  step: Step,
  state: SessionState,
  badge: BadgePresentation,
  over: SessionUser | null,
): SessionState {
  const interaction: Interaction = {
    attemptId: state.nextAttemptId,
    badge,
    person: null,
    pinTriesLeft: null,
    wrongPins: 0,
    over,
    deadline: step.now + step.policy.authenticationTimeoutSeconds * SECOND,
  };
  step.feedback(over ? 'switching-user' : 'reading-badge', { previous: over?.displayName ?? '' });
  step.effect({ type: 'identify-badge', attemptId: interaction.attemptId, badge });
  return {
    ...state,
    nextAttemptId: state.nextAttemptId + 1,
    phase: over ? { kind: 'switching', interaction } : { kind: 'identifying', interaction },
  };
}

/** A grace re-tap: the badge's holder comes back without a PIN; whoever was in front is set aside. */
function graceRetap(
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

/** A badge presented on a locked workstation. */
function tapOnLocked(step: Step, state: SessionState, badge: BadgePresentation): SessionState {
  const entry = validGrace(state, badge.badgeId, step.now);
  if (entry) return graceRetap(step, state, entry, badge, null);
  return startInteraction(step, state, badge, null);
}

/** Where an interaction returns to when it ends without a sign-in. */
function leaveInteraction(step: Step, state: SessionState, interaction: Interaction): SessionState {
  step.effect({ type: 'discard-pin' });
  return withPhase(state, interaction.over ? activePhase(interaction.over) : { kind: 'locked' });
}

function abandon(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  message: MessageKey,
  audit: { outcome: AuditOutcome; reason: string } | null,
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
function signIn(
  step: Step,
  state: SessionState,
  interaction: Interaction,
  outcome: AuthOutcome & { reason: 'ok' },
): SessionState {
  const { badge, over } = interaction;
  const person = outcome.person;
  const ecps = badge.kind === 'ecps';
  const user: SessionUser = {
    ...person,
    badgeId: badge.badgeId,
    badgeKind: badge.kind,
    readerName: badge.readerName,
    contactCard: badge.contact,
    // An approval in the e-CPS app is an e-CPS sign-in, whatever else the result claims.
    method: ecps ? 'ecps' : outcome.method,
    fullAuthAt: step.now,
    offline: outcome.offline,
  };
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
  let next = state;
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

function onAuthFailure(
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

/** Events common to every phase that only touch the workstation's memory, not the foreground. */
function onShiftEnd(step: Step, state: SessionState): SessionState {
  return endGrace(step, state, () => true, 'shift-end');
}

function onRevokedBackground(step: Step, state: SessionState, personId: string): SessionState {
  const next = endGrace(step, state, (e) => e.person.personId === personId, 'revoked');
  return closeSuspended(step, next, personId, 'revoked');
}

/** The IdP refused to renew someone's sign-in: their next tap asks for the PIN again. */
function onSignInExpiredBackground(step: Step, state: SessionState, personId: string): SessionState {
  return endGrace(step, state, (e) => e.person.personId === personId, 'sign-in-expired');
}

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
    case 'break-glass-requested': {
      if (!step.policy.breakGlassEnabled) {
        step.feedback('break-glass-disabled');
        step.audit('break-glass', 'failure', 'disabled-by-policy', {
          person: event.person,
          method: 'break-glass',
        });
        return state;
      }
      const user: SessionUser = {
        ...event.person,
        badgeId: `break-glass:${event.person.personId}`,
        badgeKind: 'rfid',
        readerName: 'break-glass',
        contactCard: false,
        method: 'break-glass',
        fullAuthAt: step.now,
        offline: false,
      };
      step.feedback('break-glass', { name: user.displayName, minutes: step.policy.breakGlassMinutes });
      step.audit('break-glass', 'success', `justification: ${event.justification}`, {
        person: event.person,
        method: 'break-glass',
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
    // Nothing to lock, cancel or undo; results for attempts already abandoned are ignored.
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

function isCurrent(interaction: Interaction, attemptId: number): boolean {
  return interaction.attemptId === attemptId;
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
        ? onActive(step, next, activePhase(interaction.over) as Extract<Phase, { kind: ActiveKind }>, event)
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
      const reason = event.type === 'manual-lock' ? 'manual-lock' : 'power-suspend';
      step.audit('authentication', 'cancelled', reason, {
        person: interaction.person,
        badgeKind: interaction.badge.kind,
        badgeId: interaction.badge.badgeId,
      });
      const next = leaveInteraction(step, state, interaction);
      if (!interaction.over) return next;
      const user = interaction.over;
      const locked = lockNow(
        step,
        next,
        user,
        reason,
        event.type === 'manual-lock' ? 'locked' : 'locked-power',
      );
      return event.type === 'manual-lock'
        ? endGrace(step, locked, (e) => e.person.personId === user.personId, 'manual-lock')
        : locked;
    }
    case 'revoked': {
      let next = onRevokedBackground(step, state, event.personId);
      if (interaction.person?.personId === event.personId) {
        return abandon(step, next, interaction, 'session-revoked', { outcome: 'failure', reason: 'revoked' });
      }
      if (interaction.over?.personId === event.personId) {
        const user = interaction.over;
        step.effect({ type: 'close-session', personId: user.personId, reason: 'revoked' });
        step.audit('session-closed', 'info', 'revoked', { person: user, badgeKind: user.badgeKind });
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
    // Someone is mid-sign-in: the idle timer, an undo or a wake-up does not concern them.
    case 'inactivity-timeout':
    case 'undo':
    case 'power-resume':
    case 'break-glass-requested':
    case 'ecps-cancelled':
      return state;
    default:
      return missingCase(event);
  }
}

/**
 * e-CPS: a person chose it and gave their national ID. The IdP pushes a request to their e-CPS
 * app; the screen shows the binding message they must pick there. Whoever was in the foreground
 * stays underneath (a tap-over) until the approval comes.
 */
function startEcps(
  step: Step,
  state: SessionState,
  request: EcpsRequest,
  over: SessionUser | null,
): SessionState {
  const attemptId = state.nextAttemptId;
  const interaction: Interaction = {
    attemptId,
    badge: { badgeId: `ecps:${request.nationalId}`, kind: 'ecps', readerName: ECPS_READER, contact: false },
    person: null,
    pinTriesLeft: null,
    wrongPins: 0,
    over,
    deadline: step.now + ECPS_REQUEST_SECONDS * SECOND,
  };
  if (over) step.feedback('switching-user', { previous: over.displayName });
  step.feedback('ecps-waiting', { code: request.bindingMessage });
  step.audit('authentication', 'info', over ? 'ecps-requested-over' : 'ecps-requested', {
    nationalId: request.nationalId,
    badgeKind: 'ecps',
    method: 'ecps',
  });
  step.effect({
    type: 'start-ecps',
    attemptId,
    nationalId: request.nationalId,
    bindingMessage: request.bindingMessage,
  });
  return {
    ...state,
    nextAttemptId: attemptId + 1,
    phase: {
      kind: 'ecps-waiting',
      interaction,
      ecps: { nationalId: request.nationalId, bindingMessage: request.bindingMessage },
    },
  };
}

/**
 * An e-CPS attempt ends without a session: audited with the national ID asked for, and the
 * workstation goes back to what it was (locked, or the session underneath). `cancel` stops the
 * request still waiting at the IdP, so that a late approval opens nothing.
 */
function endEcps(
  step: Step,
  state: SessionState,
  phase: EcpsPhase,
  message: MessageKey | null,
  audit: { outcome: AuditOutcome; reason: string },
  cancel: boolean,
  params: MessageParams = {},
): SessionState {
  const { interaction, ecps } = phase;
  if (cancel) step.effect({ type: 'cancel-ecps', attemptId: interaction.attemptId });
  if (message) step.feedback(message, params);
  step.audit('authentication', audit.outcome, audit.reason, {
    nationalId: ecps.nationalId,
    badgeKind: 'ecps',
    method: 'ecps',
  });
  return withPhase(state, interaction.over ? activePhase(interaction.over) : { kind: 'locked' });
}

function onEcpsResult(step: Step, state: SessionState, phase: EcpsPhase, outcome: AuthOutcome): SessionState {
  if (outcome.reason === 'ok') {
    // The IdP must have approved the very person whose national ID was asked for.
    if (outcome.person.nationalId !== phase.ecps.nationalId) {
      return endEcps(
        step,
        state,
        phase,
        'idp-error',
        { outcome: 'failure', reason: 'ecps-person-mismatch' },
        false,
      );
    }
    return signIn(step, state, phase.interaction, { ...outcome, method: 'ecps' });
  }
  const failed = (message: MessageKey, reason: string, params: MessageParams = {}): SessionState =>
    endEcps(step, state, phase, message, { outcome: 'failure', reason }, false, params);
  switch (outcome.reason) {
    case 'ecps-denied':
      return failed('ecps-denied', 'ecps-denied');
    case 'ecps-expired':
    case 'timeout':
      return failed('ecps-expired', outcome.reason === 'timeout' ? 'ecps-timeout' : 'ecps-expired');
    case 'too-many-attempts':
      return failed('too-many-attempts', 'too-many-attempts', {
        minutes: outcome.retryAfterSeconds === null ? '' : Math.ceil(outcome.retryAfterSeconds / 60),
      });
    case 'unknown-badge':
      return failed('ecps-unknown', 'unknown-national-id');
    case 'idp-unreachable':
    case 'idp-error':
      return failed(outcome.reason, outcome.reason);
    // A PIN or a card has no part in e-CPS: an IdP that says so is answering something else.
    case 'wrong-pin':
    case 'card-blocked':
    case 'card-error':
    case 'card-removed':
      return failed('idp-error', `unexpected-${outcome.reason}`);
    default:
      return missingCase(outcome);
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
        ? onActive(step, next, activePhase(interaction.over) as Extract<Phase, { kind: ActiveKind }>, event)
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
      const reason = event.type;
      const next = endEcps(step, state, phase, null, { outcome: 'cancelled', reason }, true);
      if (!interaction.over) {
        step.feedback(reason === 'manual-lock' ? 'locked' : 'locked-power');
        return next;
      }
      const user = interaction.over;
      const locked = lockNow(step, next, user, reason, reason === 'manual-lock' ? 'locked' : 'locked-power');
      return reason === 'manual-lock'
        ? endGrace(step, locked, (e) => e.person.personId === user.personId, 'manual-lock')
        : locked;
    }
    case 'revoked': {
      const next = onRevokedBackground(step, state, event.personId);
      if (interaction.over?.personId !== event.personId) return next;
      const user = interaction.over;
      step.effect({ type: 'close-session', personId: user.personId, reason: 'revoked' });
      step.audit('session-closed', 'info', 'revoked', { person: user, badgeKind: user.badgeKind });
      // Without anyone underneath, the e-CPS tap-over becomes a plain e-CPS sign-in.
      return withPhase(next, { ...phase, interaction: { ...interaction, over: null } });
    }
    case 'sign-in-expired':
      return onSignInExpiredBackground(step, state, event.personId);
    case 'shift-end':
      return onShiftEnd(step, state);
    // No badge, reader or PIN takes part; the idle timer, an undo or a wake-up concern no one here.
    case 'badge-removed':
    case 'badge-identified':
    case 'badge-unreadable':
    case 'pin-entered':
    case 'pin-cancelled':
    case 'reader-lost':
    case 'inactivity-timeout':
    case 'undo':
    case 'power-resume':
    case 'break-glass-requested':
      return state;
    default:
      return missingCase(event);
  }
}

/** The signed-in person's contact card left the reader (or its reader vanished). */
function onContactCardGone(step: Step, state: SessionState, user: SessionUser): SessionState {
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

function onActive(
  step: Step,
  state: SessionState,
  phase: Extract<Phase, { kind: ActiveKind }>,
  event: SessionEvent,
): SessionState {
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
    case 'manual-lock': {
      const locked = lockNow(step, state, user, 'manual-lock', 'locked');
      return endGrace(step, locked, (e) => e.person.personId === user.personId, 'manual-lock');
    }
    case 'power-suspend':
      return lockNow(step, state, user, 'power-suspend', 'locked-power');
    case 'revoked': {
      const next = onRevokedBackground(step, state, event.personId);
      if (event.personId !== user.personId) return next;
      step.effect({ type: 'close-session', personId: user.personId, reason: 'revoked' });
      step.effect({ type: 'lock-screen' });
      step.feedback('session-revoked', { name: user.displayName });
      step.audit('session-closed', 'info', 'revoked', {
        person: user,
        badgeKind: user.badgeKind,
        method: user.method,
      });
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
    case 'manual-lock': {
      const locked = lockNow(step, state, user, 'manual-lock', 'locked');
      return endGrace(step, locked, (e) => e.person.personId === user.personId, 'manual-lock');
    }
    case 'power-suspend':
      return lockNow(step, state, user, 'power-suspend', 'locked-power');
    case 'revoked':
    case 'sign-in-expired':
      return onActive(step, state, activePhase(user) as Extract<Phase, { kind: ActiveKind }>, event);
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
  return live.length === next.grace.length ? next : { ...next, grace: live };
}

/** The next state and effects for a validated event. */
export function transition(
  state: SessionState,
  event: SessionEvent,
  policy: Policy,
  now: number,
): Transition {
  const step = new Step(policy, now);
  const base = housekeeping(step, state);
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
  if (next === state && step.effects.length === 0) return unchanged(state);
  return step.done(next);
}

export type Dispatched = Transition & { readonly rejected: string | null };

/**
 * Validates an event from outside (an adapter, the UI) before it reaches the machine. A
 * malformed event changes nothing and says why.
 */
export function dispatch(state: SessionState, input: unknown, policy: Policy, now: number): Dispatched {
  const parsed = sessionEventSchema.safeParse(input);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`)
      .join('; ');
    return { state, effects: [], rejected: `malformed event (${where})` };
  }
  return { ...transition(state, parsed.data, policy, now), rejected: null };
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
